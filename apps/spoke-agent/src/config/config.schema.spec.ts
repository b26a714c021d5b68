import { describe, expect, it } from 'vitest';
import { parseSpokeConfig } from './config.schema.js';

describe('parseSpokeConfig', () => {
  it('runs nothing without a cluster name (health only) and has OCM’s defaults', () => {
    const sut = parseSpokeConfig({});
    expect(sut.CLUSTER_NAME).toBeUndefined();
    expect(sut).toMatchObject({
      WORK_AGENT: true,
      MODULE_RECONCILER: true,
      STANDALONE: false,
      AGENT_NAMESPACE: 'kmm-spoke-agent',
      WORK_RESYNC_SECONDS: 240,
      STATUS_SYNC_SECONDS: 10,
      EVICTION_GRACE_SECONDS: 3600,
    });
  });

  it('takes a hub kubeconfig from a file or a Secret, and booleans and periods as text', () => {
    const sut = parseSpokeConfig({
      CLUSTER_NAME: 'edge-1',
      HUB_KUBECONFIG_SECRET: 'kmm-spoke-agent/kmm-hub-kubeconfig',
      STANDALONE: 'true',
      MODULE_RECONCILER: 'false',
      STATUS_SYNC_SECONDS: '0.5',
    });
    expect(sut).toMatchObject({ STANDALONE: true, MODULE_RECONCILER: false, STATUS_SYNC_SECONDS: 0.5 });
    expect(parseSpokeConfig({ CLUSTER_NAME: 'edge-1', WORK_AGENT: 'false' }).WORK_AGENT).toBe(false);
  });

  it('names every problem at once', () => {
    const parse = () =>
      parseSpokeConfig({
        CLUSTER_NAME: 'Edge_1',
        HUB_KUBECONFIG: '/a',
        HUB_KUBECONFIG_SECRET: 'no-slash',
        STANDALONE: 'maybe',
        STATUS_SYNC_SECONDS: '-1',
      });
    expect(parse).toThrow(/CLUSTER_NAME.*HUB_KUBECONFIG_SECRET.*STANDALONE.*STATUS_SYNC_SECONDS/s);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a work agent without hub', { CLUSTER_NAME: 'edge-1' }, /HUB_KUBECONFIG: the work agent and standalone mode need/],
    ['two hub kubeconfigs', { CLUSTER_NAME: 'edge-1', HUB_KUBECONFIG: '/a', HUB_KUBECONFIG_SECRET: 'a/b' }, /not both/],
    ['a hub kubeconfig without cluster name', { HUB_KUBECONFIG: '/a' }, /CLUSTER_NAME: required with a hub kubeconfig/],
  ])('rejects %s', (_name, env, message) => {
    expect(() => parseSpokeConfig(env)).toThrow(message);
  });
});
