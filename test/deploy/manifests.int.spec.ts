import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { BASES, loadBase } from './deploy-files.js';
import { ClusterClient, type AccessRequest } from './cluster-client.js';

const env = inject('env');
const hub = new ClusterClient(clusterKubeConfig(env.hub));
const spoke = new ClusterClient(clusterKubeConfig(env.spokes[0]!));

describe('deploy/ manifests on real API servers', () => {
  it.each([
    ['hub', BASES.hub, hub],
    ['hub', BASES.ocmHubCrds, hub],
    ['spoke', BASES.spokeAgent, spoke],
    ['spoke', BASES.ocmSpokeCrds, spoke],
  ])('the %s API server accepts %s applied server-side', async (_cluster, base, client) => {
    const objects = await loadBase(base);

    const applied = await client.applyAll(objects);

    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
    );
    for (const o of applied) expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// The hub's RBAC as the hub API server's authorizer evaluates it, once deploy/hub is applied. Each row is one
// request of one role's service account; denied rows are the nearest thing each role must not do.
const CONTROLLER = 'kmm-hub/kmm-hub-controller';
const WORKER = 'kmm-hub/kmm-hub-worker';
const API = 'kmm-hub/kmm-hub-api';
const mcm = { group: 'hub.kmm.sigs.x-k8s.io', resource: 'managedclustermodules' };
const works = { group: 'work.open-cluster-management.io', resource: 'manifestworks' };
const clusters = { group: 'cluster.open-cluster-management.io', resource: 'managedclusters' };
const leases = { group: 'coordination.k8s.io', resource: 'leases', namespace: 'kmm-hub' };
const core = (resource: string, namespace?: string) => ({ group: 'core', resource, namespace });

const ACCESS: [string, AccessRequest, boolean][] = [
  [CONTROLLER, { verb: 'watch', ...mcm }, true],
  [CONTROLLER, { verb: 'patch', ...mcm, name: 'gpu-driver' }, true],
  [CONTROLLER, { verb: 'update', ...mcm, subresource: 'status' }, true],
  [CONTROLLER, { verb: 'update', ...mcm, subresource: 'finalizers' }, true],
  [CONTROLLER, { verb: 'create', ...mcm }, false],
  [CONTROLLER, { verb: 'delete', ...mcm }, false],
  [CONTROLLER, { verb: 'list', ...clusters }, true],
  [CONTROLLER, { verb: 'update', ...clusters }, false],
  [CONTROLLER, { verb: 'create', ...works, namespace: 'edge-1' }, true],
  [CONTROLLER, { verb: 'patch', ...works, namespace: 'edge-1' }, true],
  [CONTROLLER, { verb: 'delete', ...works, namespace: 'edge-2' }, true],
  [CONTROLLER, { verb: 'update', ...works, namespace: 'edge-1', subresource: 'status' }, false],
  [CONTROLLER, { verb: 'create', ...leases }, true],
  [CONTROLLER, { verb: 'update', ...leases, name: 'kmm-hub-controller' }, true],
  [CONTROLLER, { verb: 'update', ...leases, name: 'someone-elses-lease' }, false],
  [CONTROLLER, { verb: 'create', ...leases, namespace: 'kube-system' }, false],
  [CONTROLLER, { verb: 'list', ...core('secrets', 'kmm-hub') }, true],
  [CONTROLLER, { verb: 'get', ...core('secrets', 'edge-1') }, false],
  [CONTROLLER, { verb: 'list', ...core('secrets') }, false],
  [CONTROLLER, { verb: 'update', ...core('secrets', 'kmm-hub') }, false],
  [CONTROLLER, { verb: 'create', ...core('events', 'default') }, true],
  [CONTROLLER, { verb: 'create', ...core('pods', 'kmm-hub') }, false],
  [CONTROLLER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, false],
  [WORKER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, true],
  [WORKER, { verb: 'delete', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, true],
  [WORKER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'default' }, false],
  [WORKER, { verb: 'get', ...core('pods', 'kmm-hub'), subresource: 'log' }, true],
  [WORKER, { verb: 'get', ...core('secrets', 'kmm-hub'), name: 'signing-key' }, true],
  [WORKER, { verb: 'list', ...core('secrets', 'kmm-hub') }, false],
  [WORKER, { verb: 'list', ...works }, false],
  [WORKER, { verb: 'get', ...leases, name: 'kmm-hub-controller' }, false],
  [API, { verb: 'list', ...mcm }, true],
  [API, { verb: 'watch', ...works }, true],
  [API, { verb: 'get', ...clusters, name: 'edge-1' }, true],
  [API, { verb: 'list', ...core('events') }, false],
  [API, { verb: 'create', ...mcm }, false],
  [API, { verb: 'patch', ...works, namespace: 'edge-1' }, false],
  [API, { verb: 'get', ...core('secrets', 'kmm-hub') }, false],
];

describe('hub RBAC, as the hub API server authorizes it', () => {
  beforeAll(async () => {
    // Applied again here so that these rows do not depend on the order tests run in.
    await hub.applyAll(await loadBase(BASES.hub));
  });

  it.each(ACCESS)('%s: %j → allowed %s', async (serviceAccount, request, allowed) => {
    expect(await hub.serviceAccountCan(serviceAccount, request)).toBe(allowed);
  });
});
