// The fleet page in Debian's headless chromium: the browser signs in through the real issuer (authorization code +
// PKCE), the page renders the clusters × modules matrix from the API of a hub whose controller planned a real
// fleet, follows a state change over the event stream without reloading, and a screenshot is kept. The page's
// script is the build output of ./browser/fleet-page.ts, so this file needs `npm run build` first (npm test's
// type-check builds it).
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newLoaderManagedClusterModule, RESOURCES, type ManagedClusterModule } from '@kmm-hub/api';
import { ResourceClient } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import { pushImage } from '@kmm-hub/test-env';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ARTIFACTS, launchChromium, newFleetPage } from '../testing/fleet-page.testing.js';
import { startFleetUnderTest, type FleetUnderTest } from '../testing/fleet-under-test.testing.js';
import { FLEET_PAGE_SCRIPT } from './web.controller.js';

const env = inject('env');
const K1 = '6.1.0-56-amd64';
const K2 = '6.1.0-57-amd64';
const repository = `fleet-page/${Date.now()}`;

function loaderModule(name: string, selector: Record<string, string>, build: boolean): ManagedClusterModule {
  return newLoaderManagedClusterModule({
    name,
    selector,
    regexp: '^6\\.1\\.',
    image: `${env.registry.host}/${repository}/${name}:\${KERNEL_FULL_VERSION}`,
    ...(build && { build: { dockerfileConfigMap: { name: `${name}-dockerfile` } } }),
  });
}

describe('fleet web page', () => {
  let f: FleetUnderTest;
  let browser: Browser;
  let page: Page;
  /** Uncaught exceptions of the page's script and Content-Security-Policy refusals, which would stop it. */
  let pageProblems: string[] = [];
  const cell = (module: string, cluster: string) =>
    page.locator(`td[data-module="${module}"][data-cluster="${cluster}"]`);
  const expectedCells = async () => {
    const out: Record<string, string> = {};
    for (const m of ['gpu', 'nic', 'storage'])
      for (const c of (await f.getMcm(m)).status?.clusters ?? []) out[`${m}/${c.name}`] = c.state;
    return out;
  };
  const shownCells = () =>
    page.$$eval('td.cell[data-state]', (tds) =>
      Object.fromEntries(
        tds.map((td) => [
          `${td.getAttribute('data-module')}/${td.getAttribute('data-cluster')}`,
          td.getAttribute('data-state'),
        ]),
      ),
    );

  beforeAll(async () => {
    expect(existsSync(FLEET_PAGE_SCRIPT), `${FLEET_PAGE_SCRIPT} missing: run npm run build first`).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    f = await startFleetUnderTest(env, 'fleet-page', ['edge-a', 'edge-b', 'edge-c']);
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    for (const k of [K1, K2])
      await pushImage(registry, `${repository}/gpu`, k, [
        { path: `/opt/lib/modules/${k}/gpu.ko`, content: Buffer.from(k) },
      ]);
    await pushImage(registry, `${repository}/storage`, K1, [
      { path: `/opt/lib/modules/${K1}/st.ko`, content: Buffer.from('st') },
    ]);
    await f.applyCluster('edge-a', { fleet: 'demo', nic: 'yes' }, [K1, K2], true);
    await f.applyCluster('edge-b', { fleet: 'demo' }, [K1], true);
    await f.applyCluster('edge-c', { fleet: 'demo' }, [K2], false);
    await f.applier.apply(loaderModule('gpu', { fleet: 'demo' }, false));
    await f.applier.apply(loaderModule('nic', { nic: 'yes' }, true));
    await f.applier.apply(loaderModule('storage', { fleet: 'demo' }, false));
    const wait = { timeout: 30_000, interval: 200 };
    await vi.waitFor(
      async () => expect((await f.getMcm('gpu')).status?.clusters?.every((c) => c.kernels?.length)).toBe(true),
      wait,
    );
    await vi.waitFor(async () => expect((await f.getMcm('storage')).status?.clusters).toHaveLength(3), wait);
    for (const cluster of ['edge-a', 'edge-b']) await f.reportWork(cluster, 'gpu', { desired: 2, available: 2 });
    await f.reportWork('edge-b', 'storage', { desired: 2, available: 1 });
    await vi.waitFor(async () => {
      const states = await expectedCells();
      expect(states['gpu/edge-a']).toBe('Ready');
      expect(states['gpu/edge-b']).toBe('Ready');
    }, wait);
    browser = await launchChromium();
    ({ page, problems: pageProblems } = await newFleetPage(browser, { width: 1200, height: 900 }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await f?.stop();
  });

  /** Each test opens the page itself (signing in on the first visit), so none needs another to have run first. */
  const openPage = async () => {
    await page.goto(`${f.api.url}/`);
    await page.waitForSelector('body[data-ready="true"][data-live="true"]', { timeout: 20_000 });
  };

  it('signs the browser in and renders the matrix with the states the controller wrote', async () => {
    await openPage();
    expect(new URL(page.url()).origin).toBe(f.api.url);
    expect(await page.textContent('#user')).toBe('alice (viewer, admin)');
    const expected = await expectedCells();
    expect(Object.keys(expected).toSorted()).toEqual([
      'gpu/edge-a',
      'gpu/edge-b',
      'gpu/edge-c',
      'nic/edge-a',
      'storage/edge-a',
      'storage/edge-b',
      'storage/edge-c',
    ]);
    await expect.poll(shownCells, { timeout: 10_000 }).toEqual(expected);
    expect(await cell('nic', 'edge-b').getAttribute('class')).toBe('cell none');
    expect(
      await cell('gpu', 'edge-a').evaluate((td) => td.ownerDocument.defaultView?.getComputedStyle(td).backgroundColor),
    ).toBe('rgb(26, 127, 55)');
    expect(await page.$$eval('#matrix thead th', (ths) => ths.map((th) => th.textContent))).toEqual([
      'cluster / module',
      'gpu',
      'nic',
      'storage',
    ]);
    const builds = await page.$$eval('#builds tbody tr', (rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(builds).toEqual(['queued', 'queued']);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-page.png'), fullPage: true });
    expect(pageProblems).toEqual([]);
  });

  it('serves the built script as an ES module under the page CSP, revalidated by its ETag', async () => {
    const html = await (await fetch(`${f.api.url}/`)).text();
    expect(html).toContain('<script type="module" src="/assets/fleet.js"></script>');
    const res = await fetch(`${f.api.url}/assets/fleet.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(await readFile(FLEET_PAGE_SCRIPT, 'utf8'));
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    // As a browser revalidates (fetch would add `cache-control: no-cache` to a request with If-None-Match alone).
    const again = await fetch(`${f.api.url}/assets/fleet.js`, {
      headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });

  it('drills down into a module: kernels, images, digests', async () => {
    await openPage();
    await page.click('#matrix thead button:text-is("gpu")');
    await page.waitForSelector('#detail.shown h2:has-text("Module gpu")');
    const digest = (await f.getMcm('gpu')).status!.clusters!.find((c) => c.name === 'edge-a')!.kernels![1]!.digest!;
    const rows = await page.$$eval('#detail tr[data-kernel]', (trs) => trs.map((tr) => tr.getAttribute('data-kernel')));
    expect(rows).toEqual([K1, K2, K1, K2]);
    expect(await page.getAttribute(`#detail td[title="${digest}"]`, 'title')).toBe(digest);
    expect(await page.textContent('#detail')).toContain('module loader: 2/2 nodes');
  });

  it("shows a module's rollout: strategy, state, wave and the revision each cluster runs", async () => {
    // A rollout added to a delivered module changes no ManifestWork: every cluster is Updated.
    await new ResourceClient<ManagedClusterModule>(f.http, RESOURCES.ManagedClusterModule).mergePatch('storage', {
      spec: { rollout: { type: 'Progressive', progressive: { maxConcurrency: 1 } } },
    });
    await vi.waitFor(async () => expect((await f.getMcm('storage')).status?.rollout?.state).toBe('Complete'), {
      timeout: 30_000,
      interval: 200,
    });
    const revision = (await f.getMcm('storage')).status!.clusters!.find((c) => c.name === 'edge-b')!.revision!;

    await openPage();
    await page.click('#matrix thead button:text-is("storage")');
    await page.waitForSelector('#detail.shown h2:has-text("Module storage")');

    expect(await page.textContent('#detail')).toContain('rollout Progressive · Complete · wave 0');
    expect(await page.getAttribute(`#detail td[title="${revision}"]`, 'title')).toBe(revision);
    expect(pageProblems).toEqual([]);
  });

  it('follows state changes over the event stream without a reload', async () => {
    await openPage();
    const before = await expectedCells();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    // edge-c's work agent applies gpu, and edge-b leaves the fleet (its modules are withdrawn).
    await f.reportWork('edge-c', 'gpu', { desired: 1, available: 1 });
    await f.applyCluster('edge-b', { fleet: 'elsewhere' }, [K1], true);
    await page.waitForSelector('td[data-module="gpu"][data-cluster="edge-c"][data-state="Ready"]', { timeout: 15_000 });
    await page.waitForSelector('td[data-module="gpu"][data-cluster="edge-b"]:not([data-state])', { timeout: 15_000 });
    await expect
      .poll(async () => Object.keys(await expectedCells()).filter((k) => k.endsWith('/edge-b')), { timeout: 15_000 })
      .toEqual([]);
    await expect.poll(shownCells, { timeout: 15_000 }).toEqual(await expectedCells());
    expect(navigations).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-page-after-change.png'), fullPage: true });

    // edge-b back as beforeAll left it, for the other tests: in the fleet, its works applied and reported. (edge-c's
    // gpu stays Ready: the other tests compare with the states the controller wrote, whatever they are.)
    await f.applyCluster('edge-b', { fleet: 'demo' }, [K1], true);
    await vi.waitFor(
      async () => {
        await f.reportWork('edge-b', 'gpu', { desired: 2, available: 2 });
        await f.reportWork('edge-b', 'storage', { desired: 2, available: 1 });
        const cells = await expectedCells();
        expect([cells['gpu/edge-b'], cells['storage/edge-b']]).toEqual([
          before['gpu/edge-b'],
          before['storage/edge-b'],
        ]);
      },
      { timeout: 30_000, interval: 500 },
    );
  });
});
