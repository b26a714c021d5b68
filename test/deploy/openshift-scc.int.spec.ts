// The OpenShift SCC grants of deploy/spoke-agent, as the spoke policy rolls them out, on a spoke API server that
// holds OpenShift's real SecurityContextConstraints CRD and bootstrap SCCs (test/deploy/openshift/, vendored from
// openshift/api and openshift/cluster-kube-apiserver-operator). OpenShift's SCC admission asks the authorizer whether
// the pod's service account may `use` an SCC in the pod's namespace; these SubjectAccessReviews ask the same.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig, startDedicatedCluster, type DedicatedCluster } from '@kmm-hub/test-env';
import { parseYamlObjects, REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';
import { ClusterClient, type AccessRequest } from './cluster-client.js';
import { BASES, findObject, loadBase, objectTemplates, type KubeObject, type Policy } from './deploy-files.js';
import { enforceMustHave } from './enforce-musthave.js';
import { hasHubTemplate } from './resolve-hub-templates.js';

const env = inject('env');
const OPENSHIFT = 'test/deploy/openshift';
const NS = 'kmm-spoke-agent';

async function loadOpenShift(file: string): Promise<KubeObject[]> {
  const path = join(OPENSHIFT, file);
  return parseYamlObjects(await readFile(join(REPO_ROOT, path), 'utf8'), path);
}

const use = (scc: string, namespace = NS): AccessRequest => ({
  verb: 'use',
  group: 'security.openshift.io',
  resource: 'securitycontextconstraints',
  name: scc,
  namespace,
});

// [service account, request, allowed]
const ACCESS: [string, AccessRequest, boolean][] = [
  [`${NS}/kmm-module-loader`, use('privileged'), true],
  [`${NS}/kmm-device-plugin`, use('privileged'), true],
  [`${NS}/kmm-spoke-agent`, use('restricted-v2'), true],
  // Nothing broader: no other SCC, no other namespace, no SCC by wildcard, no reading or changing SCCs.
  [`${NS}/kmm-module-loader`, use('anyuid'), false],
  [`${NS}/kmm-module-loader`, use('restricted-v2'), false],
  [`${NS}/kmm-module-loader`, use('privileged', 'default'), false],
  [`${NS}/kmm-device-plugin`, use('privileged', 'kube-system'), false],
  [`${NS}/kmm-module-loader`, { ...use('privileged'), name: undefined }, false],
  [`${NS}/kmm-module-loader`, { ...use('privileged'), verb: 'get' }, false],
  [`${NS}/kmm-device-plugin`, { ...use('privileged'), verb: 'update', namespace: undefined }, false],
  [`${NS}/kmm-spoke-agent`, use('privileged'), false],
  [`${NS}/kmm-spoke-agent`, use('anyuid'), false],
  [`${NS}/kmm-spoke-agent`, use('restricted-v2', 'default'), false],
  [`${NS}/default`, use('privileged'), false],
];

describe('SCC grants of the spoke agent policy on a spoke with OpenShift SCCs', () => {
  let cluster: DedicatedCluster;
  let spoke: ClusterClient;
  let templates: KubeObject[];

  beforeAll(async () => {
    cluster = await startDedicatedCluster(env, 'openshift-scc');
    spoke = new ClusterClient(clusterKubeConfig(cluster.info));
    await spoke.applyAll(await loadOpenShift('securitycontextconstraints.crd.yaml'));
    for (const scc of ['privileged', 'restricted-v2', 'anyuid']) {
      await spoke.applyAll(await loadOpenShift(`scc-${scc}.yaml`));
    }
    const policy = findObject<Policy>(await loadBase(BASES.spokeAgentPlacement), 'Policy', 'kmm-spoke-agent');
    // The agent's Secret is a hub template that only the hub resolves; the SCC grants do not depend on it.
    templates = objectTemplates(policy)
      .map((t) => t.objectDefinition)
      .filter((o) => !hasHubTemplate([o]));
    // One evaluation under enforce, as the config-policy-controller would do on this cluster.
    for (const template of templates) {
      const decision = enforceMustHave(template, await spoke.get(template));
      if (decision.action !== 'none') await spoke.apply(decision.object);
      if (template.kind === 'CustomResourceDefinition') await spoke.waitEstablished(template.metadata.name);
    }
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('holds the real privileged SCC, and the policy carries the SCC grants of deploy/spoke-agent unchanged', async () => {
    const privileged = (await spoke.get({
      apiVersion: 'security.openshift.io/v1',
      kind: 'SecurityContextConstraints',
      metadata: { name: 'privileged' },
    })) as (KubeObject & { allowPrivilegedContainer?: boolean }) | undefined;
    expect(privileged?.allowPrivilegedContainer).toBe(true);

    const grants = (await loadBase(BASES.spokeAgent)).filter((o) => o.metadata.name.startsWith('kmm-spoke-agent-scc-'));
    expect(grants.map((o) => `${o.kind}/${o.metadata.name}`).toSorted()).toEqual([
      'ClusterRole/kmm-spoke-agent-scc-privileged',
      'ClusterRole/kmm-spoke-agent-scc-restricted-v2',
      'RoleBinding/kmm-spoke-agent-scc-privileged',
      'RoleBinding/kmm-spoke-agent-scc-restricted-v2',
    ]);
    for (const grant of grants) {
      expect(templates).toContainEqual(grant);
      expect(enforceMustHave(grant, await spoke.get(grant))).toEqual({ action: 'none' });
    }
  });

  it.each(ACCESS)('%s: %j → allowed %s', async (serviceAccount, request, allowed) => {
    expect(await spoke.serviceAccountCan(serviceAccount, request)).toBe(allowed);
  });
});
