// Test-only: the fleet page in Debian's headless chromium (playwright-core), and what the page itself measures with
// performance marks (apps/hub/src/web/browser/fleet-page.ts): `kmm:data-rendered` and `kmm:first-paint` once the
// summary and the first page of clusters are in the DOM and painted, `kmm:update` and `kmm:update-frame` per live
// update. Shared by the fleet page's Chromium checks and bench/fleet-scale.bench.ts.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env['KMM_TEST_ARTIFACTS'] ?? join(tmpdir(), 'kmm-hub-test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records uncaught exceptions of the script and Content-Security-Policy refusals in `problems`. */
export async function newFleetPage(
  browser: Browser,
  viewport = { width: 1400, height: 1000 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) problems.push(m.text());
  });
  return { page, problems };
}

export interface FirstPaint {
  /** ms from navigation start until the summary and the first page of clusters were in the DOM. */
  dataRenderedMs: number;
  /** ms from navigation start until the frame after that was painted. */
  firstPaintMs: number;
  /** The browser's first contentful paint (the shell, before any data). */
  firstContentfulPaintMs: number;
  domNodes: number;
}

/** Opens the page (signing in on the first visit) and waits until it is live and has painted its data. */
export async function openFleetPage(page: Page, url: string): Promise<FirstPaint> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"][data-live="true"]', { timeout: 60_000 });
  await page.waitForFunction(() => performance.getEntriesByName('kmm:first-paint').length > 0);
  const marks = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN;
    return {
      dataRenderedMs: at('kmm:data-rendered'),
      firstPaintMs: at('kmm:first-paint'),
      firstContentfulPaintMs: at('first-contentful-paint'),
    };
  });
  return { ...marks, domNodes: await page.locator('*').count() };
}

export interface UpdateCost {
  /** Live updates the page applied meanwhile. */
  updates: number;
  /** Script time of the slowest of them (ms). */
  scriptMs: number;
  /** Until the frame after it, style, layout and paint included (ms). */
  frameMs: number;
}

/**
 * Clears the update measures, runs `change`, waits until the page applied a live update (its `data-revision`
 * moved) and `shown` (a selector, when given) is there, and reads what the updates cost.
 */
export async function measureUpdate(page: Page, change: () => Promise<void>, shown?: string): Promise<UpdateCost> {
  const revision = await page.getAttribute('body', 'data-revision');
  await page.evaluate(() => {
    performance.clearMeasures('kmm:update');
    performance.clearMeasures('kmm:update-frame');
  });
  await change();
  await page.waitForSelector(
    revision === null ? 'body[data-revision]' : `body[data-revision]:not([data-revision="${revision}"])`,
    { timeout: 30_000 },
  );
  if (shown !== undefined) await page.waitForSelector(shown, { timeout: 30_000 });
  await page.waitForFunction(
    () => performance.getEntriesByName('kmm:update-frame').length >= performance.getEntriesByName('kmm:update').length,
  );
  return page.evaluate(() => {
    const durations = (name: string) => performance.getEntriesByName(name).map((e) => e.duration);
    return {
      updates: durations('kmm:update').length,
      scriptMs: Math.max(0, ...durations('kmm:update')),
      frameMs: Math.max(0, ...durations('kmm:update-frame')),
    };
  });
}
