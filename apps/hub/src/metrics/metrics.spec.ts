import { describe, expect, it } from 'vitest';
import { HubMetrics } from './metrics.js';

/** The sample lines of one metric in the exposition text, without its HELP and TYPE lines. */
async function samples(metrics: HubMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

describe('HubMetrics', () => {
  it.each([
    [undefined, []],
    [true, ['kmm_hub_leader{lease="kmm-hub-controller"} 1']],
    [false, ['kmm_hub_leader{lease="kmm-hub-controller"} 0']],
  ])('exports kmm_hub_leader when the process leads: %s', async (isLeader, expected) => {
    const metrics = new HubMetrics();
    if (isLeader !== undefined) metrics.setLeaderSource('kmm-hub-controller', () => isLeader);
    expect(await samples(metrics, 'kmm_hub_leader')).toEqual(expected);
  });

  it('reads leadership at each scrape', async () => {
    const metrics = new HubMetrics();
    let leads = false;
    metrics.setLeaderSource('kmm-hub-controller', () => leads);
    expect(await samples(metrics, 'kmm_hub_leader')).toEqual(['kmm_hub_leader{lease="kmm-hub-controller"} 0']);
    leads = true;
    expect(await samples(metrics, 'kmm_hub_leader')).toEqual(['kmm_hub_leader{lease="kmm-hub-controller"} 1']);
  });

  it.each([
    ['no source', undefined, []],
    ['no modules', new Map<string, number>(), []],
    [
      'two modules',
      new Map([
        ['gpu-driver', 2],
        ['nic-driver', 0],
      ]),
      [
        'kmm_hub_module_degraded_clusters{module="gpu-driver"} 2',
        'kmm_hub_module_degraded_clusters{module="nic-driver"} 0',
      ],
    ],
  ])('exports degraded clusters per module (%s)', async (_case, byModule, expected) => {
    const metrics = new HubMetrics();
    if (byModule) metrics.setDegradedClustersSource(() => byModule);
    expect(await samples(metrics, 'kmm_hub_module_degraded_clusters')).toEqual(expected);
  });

  it('drops the series of a module that is gone', async () => {
    const metrics = new HubMetrics();
    let byModule = new Map([['gpu-driver', 1]]);
    metrics.setDegradedClustersSource(() => byModule);
    expect(await samples(metrics, 'kmm_hub_module_degraded_clusters')).toHaveLength(1);
    byModule = new Map();
    expect(await samples(metrics, 'kmm_hub_module_degraded_clusters')).toEqual([]);
  });
});
