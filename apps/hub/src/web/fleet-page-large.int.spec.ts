// The fleet page on a large fleet in Debian's headless chromium (issue 14): the summary per module, the clusters
// needing attention first, search by name and label, the state and module filters, paging, and a live update that
// changes one cell in place without rendering the page again. KMM_HUB_PAGE_CLUSTERS sets the size (default 300);
// bench/fleet-scale.bench.ts runs the same fleet and measurements at 10,000. Needs `npm run build` first.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClusterSummary, FleetView } from '../api/dto/fleet.dto.js';
import {
  ARTIFACTS,
  launchChromium,
  measureUpdate,
  newFleetPage,
  openFleetPage,
} from '../testing/fleet-page.testing.js';
import { startLargeFleet, type LargeFleet } from '../testing/large-fleet.testing.js';
import { FLEET_PAGE_SCRIPT } from './web.controller.js';

const env = inject('env');
const CLUSTERS = Number(process.env['KMM_HUB_PAGE_CLUSTERS'] ?? 300);
const PAGE_SIZE = 50;

describe(`fleet web page with ${CLUSTERS} clusters`, () => {
  let fleet: LargeFleet;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const apiGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${fleet.f.api.url}${path}`, {
      headers: { authorization: `Bearer ${fleet.f.tokens.viewer}` },
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const rows = () => page.$$eval('#matrix tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-cluster')));
  const range = () => page.textContent('#range');

  beforeAll(async () => {
    expect(existsSync(FLEET_PAGE_SCRIPT), `${FLEET_PAGE_SCRIPT} missing: run npm run build first`).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    fleet = await startLargeFleet(env, 'fleet-page-large', CLUSTERS);
    console.info(`large fleet of ${CLUSTERS} set up in ${fleet.setUpSeconds.toFixed(0)} s`, fleet.steps);
    browser = await launchChromium();
    ({ page, problems } = await newFleetPage(browser));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.f.stop();
  });

  it('shows the summary per module and the clusters needing attention first, one page at a time', async () => {
    const paint = await openFleetPage(page, `${fleet.f.api.url}/`);
    expect(paint.firstPaintMs).toBeGreaterThan(0);
    const api = await apiGet<FleetView>('/api/v1/fleet');
    const summary = await page.$$eval('#modules tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-module'), tr.querySelector('td.num')?.textContent]),
    );
    expect(summary).toEqual(api.modules.map((m) => [m.name, m.clusters.selected.toLocaleString('en')]));
    expect(api.modules.find((m) => m.name === 'gpu')?.clusters.byState).toMatchObject({
      Ready: expect.any(Number),
      Progressing: expect.any(Number),
      Degraded: expect.any(Number),
      NoKernels: expect.any(Number),
    });
    // The page lists what the API lists in attention order, a page at a time.
    const first = await apiGet<{ items: ClusterSummary[]; total: number }>(
      `/api/v1/clusters?order=attention&limit=${PAGE_SIZE}`,
    );
    expect(first.total).toBe(CLUSTERS);
    expect(await rows()).toEqual(first.items.map((c) => c.name));
    expect(
      await page.$$eval('#matrix tbody tr:first-child td[data-state="Degraded"]', (tds) => tds.length),
    ).toBeGreaterThan(0);
    expect(await range()).toBe(`clusters 1–${PAGE_SIZE} of ${CLUSTERS.toLocaleString('en')}`);
    // Three modules: a page holds at most PAGE_SIZE × 3 cells whatever the fleet's size.
    expect(await page.$$eval('#matrix td.cell', (tds) => tds.length)).toBe(PAGE_SIZE * 3);
    await page.click('#next');
    await expect.poll(range).toBe(`clusters ${PAGE_SIZE + 1}–${PAGE_SIZE * 2} of ${CLUSTERS.toLocaleString('en')}`);
    await page.click('#prev');
    await expect.poll(rows).toEqual(first.items.map((c) => c.name));
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-page-large.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('searches by name and label and filters by state and module', async () => {
    await openFleetPage(page, `${fleet.f.api.url}/`);
    const one = fleet.clusters[CLUSTERS - 1]!;
    await page.fill('#search', one.name);
    await expect.poll(rows).toEqual([one.name]);

    await page.fill('#search', 'region=eu tier=gold');
    const euGold = fleet.clusters.filter((c) => c.labels['region'] === 'eu' && c.labels['tier'] === 'gold');
    await expect.poll(range).toBe(`clusters 1–${Math.min(PAGE_SIZE, euGold.length)} of ${euGold.length}`);
    const names = new Set(euGold.map((c) => c.name));
    expect((await rows()).every((n) => names.has(n!))).toBe(true);

    await page.fill('#search', '');
    await page.selectOption('#filter-module', 'nic');
    await page.selectOption('#filter-state', 'Degraded');
    await expect
      .poll(() => page.$$eval('#matrix thead th', (ths) => ths.map((th) => th.textContent)))
      .toEqual(['cluster / module', 'nic']);
    const degradedNic = await apiGet<{ total: number }>('/api/v1/clusters?module=nic&state=Degraded&limit=1');
    expect(degradedNic.total).toBeGreaterThan(0);
    await expect.poll(range).toMatch(new RegExp(` of ${degradedNic.total.toLocaleString('en')}$`));
    expect(await page.$$eval('#matrix td.cell', (tds) => tds.map((td) => td.getAttribute('data-state')))).toEqual(
      (await rows()).map(() => 'Degraded'),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-page-large-filtered.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('applies a live update to the summary and one cell in place, without rendering the list again', async () => {
    await openFleetPage(page, `${fleet.f.api.url}/`);
    // A cluster whose gpu work was not reported yet (Progressing): the work agent reports it below.
    const progressing = await apiGet<{ items: ClusterSummary[] }>(
      '/api/v1/clusters?module=gpu&state=Progressing&limit=1',
    );
    const target = progressing.items[0]!.name;
    await page.fill('#search', target);
    await expect.poll(rows).toEqual([target]);
    const readyBefore = Number(
      ((await apiGet<FleetView>('/api/v1/fleet')).modules.find((m) => m.name === 'gpu')?.clusters.byState['Ready'] ??
        0) + 1,
    );
    // Nodes a whole re-render would replace: the list's rows, a module row that does not change, the totals.
    const kept = '#matrix tbody tr, #modules tbody tr[data-module="nic"], #totals';
    const keptBefore = await page.$$eval(kept, (nodes) => nodes.map((n) => Object.assign(n, { kmmKept: true })).length);
    const cost = await measureUpdate(
      page,
      () => fleet.f.reportWork(target, 'gpu', { desired: 1, available: 1 }),
      `td[data-module="gpu"][data-cluster="${target}"][data-state="Ready"]`,
    );
    expect(cost.updates).toBeGreaterThan(0);
    // The summary followed; the row, the unchanged module rows and the totals are the same DOM nodes as before.
    await expect
      .poll(() => page.textContent('#modules tbody tr[data-module="gpu"]'))
      .toContain(`Ready ${readyBefore.toLocaleString('en')}`);
    expect(await page.$$eval(kept, (nodes) => nodes.filter((n) => 'kmmKept' in n).length)).toBe(keptBefore);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-page-large-after-update.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
