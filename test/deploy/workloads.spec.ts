import { beforeAll, describe, expect, it } from 'vitest';
import { BASES, findObject, loadBase, type KubeObject } from './deploy-files.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  image: string;
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
      };
    };
  };
}

const env = (c: Container, name: string) => c.env.find((e) => e.name === name);

/** The pod rules every workload of ours keeps: non-root, no privilege, read-only root, liveness on /healthz. */
function expectHardenedAndProbed(d: Deployment, portVariable: string, readinessPath: string) {
  const pod = d.spec.template.spec;
  const [container] = pod.containers;
  expect(pod.containers).toHaveLength(1);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container!.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  const http = container!.ports.find((p) => p.name === 'http');
  expect(String(http?.containerPort)).toBe(env(container!, portVariable)?.value);
  expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(container!.readinessProbe.httpGet).toEqual({ path: readinessPath, port: 'http' });
  expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
}

describe('deploy/hub workloads', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await loadBase(BASES.hub);
  });

  it.each(['controller', 'worker', 'api'])(
    'runs the %s role with its own service account and configuration',
    (role) => {
      const d = findObject<Deployment>(objects, 'Deployment', `kmm-hub-${role}`);
      const [container] = d.spec.template.spec.containers;
      const config = findObject<KubeObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'kmm-hub-config');

      expect(d.metadata.namespace).toBe('kmm-hub');
      expect(d.spec.template.spec.serviceAccountName).toBe(`kmm-hub-${role}`);
      findObject(objects, 'ServiceAccount', `kmm-hub-${role}`);
      expect(env(container!, 'HUB_ROLE')).toEqual({ name: 'HUB_ROLE', value: role });
      expect(env(container!, 'HUB_NAMESPACE')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
      const redis = env(container!, 'REDIS_URL')?.valueFrom?.configMapKeyRef;
      expect(redis?.name).toBe('kmm-hub-config');
      expect(config.data[redis?.key ?? '']).toMatch(/^rediss?:\/\//);
      // /readyz: Redis, the hub API server and this role's informers answer (a standby controller is ready too).
      expectHardenedAndProbed(d, 'HUB_PORT', '/readyz');
    },
  );

  it('gives the controller a Lease identity per pod, and the API its OpenID Connect settings and a Service', () => {
    const controller = findObject<Deployment>(objects, 'Deployment', 'kmm-hub-controller');
    const service = findObject<KubeObject & { spec: { selector: Record<string, string> } }>(
      objects,
      'Service',
      'kmm-hub-api',
    );
    const api = findObject<Deployment>(objects, 'Deployment', 'kmm-hub-api');

    expect(env(controller.spec.template.spec.containers[0]!, 'POD_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const config = findObject<KubeObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'kmm-hub-config');
    for (const name of ['OIDC_ISSUER_URL', 'OIDC_AUDIENCE']) {
      const ref = env(api.spec.template.spec.containers[0]!, name)?.valueFrom?.configMapKeyRef;
      expect(config.data[ref?.key ?? ''], name).toBeTruthy();
    }
  });
});

describe('deploy/spoke-agent workload', () => {
  it('reads its cluster name and hub kubeconfig from the kmm-hub-kubeconfig Secret', async () => {
    const objects = await loadBase(BASES.spokeAgent);
    const d = findObject<Deployment>(objects, 'Deployment', 'kmm-spoke-agent');
    const pod = d.spec.template.spec;
    const [container] = pod.containers;
    const kubeconfigPath = env(container!, 'HUB_KUBECONFIG')?.value ?? '';
    const mount = container!.volumeMounts?.find((m) => kubeconfigPath.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes?.find((v) => v.name === mount?.name);

    expect(pod.serviceAccountName).toBe('kmm-spoke-agent');
    findObject(objects, 'ServiceAccount', 'kmm-spoke-agent');
    expect(env(container!, 'CLUSTER_NAME')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kmm-hub-kubeconfig',
      key: 'cluster-name',
    });
    expect(volume?.secret).toEqual({
      secretName: 'kmm-hub-kubeconfig',
      items: [{ key: 'kubeconfig', path: kubeconfigPath.slice(`${mount?.mountPath}/`.length) }],
    });
    expect(d.spec.replicas).toBe(1);
    expectHardenedAndProbed(d, 'SPOKE_PORT', '/healthz');
  });
});
