import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig } from '@kmm-hub/test-env';
import { BASES, loadBase } from './deploy-files.js';
import { ClusterClient } from './cluster-client.js';
import { HUB_ACCESS as ACCESS } from './hub-access.js';

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
describe('hub RBAC, as the hub API server authorizes it', () => {
  beforeAll(async () => {
    // Applied again here so that these rows do not depend on the order tests run in.
    await hub.applyAll(await loadBase(BASES.hub));
  });

  it.each(ACCESS)('%s: %j → allowed %s', async (serviceAccount, request, allowed) => {
    expect(await hub.serviceAccountCan(serviceAccount, request)).toBe(allowed);
  });
});
