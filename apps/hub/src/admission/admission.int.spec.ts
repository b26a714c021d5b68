// The admission webhook as a real kube-apiserver calls it: deploy/hub-admission's ValidatingWebhookConfiguration
// pointed at the hub's HTTPS listener on 127.0.0.1, trusted through a CA this test creates. A dedicated API server
// keeps the webhook away from the ManagedClusterModules of other test files.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { newManagedClusterModule, type ManagedClusterModule } from '@kmm-hub/api';
import { KubeApiError, ServerSideApplier } from '@kmm-hub/kube';
import {
  clusterKubeConfig,
  createCertificateAuthority,
  createServingCert,
  startDedicatedCluster,
  waitUntil,
  type DedicatedCluster,
} from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKustomization, REPO_ROOT } from '../../../../deploy/scripts/kustomize.mjs';
import { VALIDATE_MANAGED_CLUSTER_MODULE_PATH } from './admission.controller.js';
import { startAdmissionServer } from './admission.module.js';

// Rows break the typed object on purpose.
// oxlint-disable-next-line typescript/no-explicit-any
type Loose = Record<string, any>;

const env = inject('env');
const COLLECTION = '/apis/hub.kmm.sigs.x-k8s.io/v1beta1/managedclustermodules';
const MS = 'spec.moduleSpec';
const CONTAINER = `${MS}.moduleLoader.container`;
const DENIED = 'admission webhook "vmanagedclustermodule.hub.kmm.sigs.x-k8s.io" denied the request';

let cluster: DedicatedCluster;
let applier: ServerSideApplier;
let dir: string;
let certs: { certPath: string; keyPath: string };
let server: INestApplication | undefined;
let port = 0;

async function startServer(): Promise<void> {
  server = await startAdmissionServer({
    LOG_LEVEL: 'fatal',
    HUB_HOST: '127.0.0.1',
    ADMISSION_PORT: port,
    ADMISSION_TLS_CERT_FILE: certs.certPath,
    ADMISSION_TLS_KEY_FILE: certs.keyPath,
  });
  port = (server!.getHttpServer().address() as AddressInfo).port;
}

function mcmWith(change: (spec: Loose, mcm: Loose) => void = () => undefined) {
  const mcm = newManagedClusterModule({ metadata: { name: `adm-${Math.random().toString(36).slice(2, 10)}` } });
  change(mcm.spec.moduleSpec as Loose, mcm as Loose);
  return mcm;
}

const badRegexp = (s: Loose) =>
  (s.moduleLoader.container.kernelMappings = [{ regexp: '^5(?=\\.14)', containerImage: 'i:1' }]);

function create(mcm: ManagedClusterModule, dryRun = true): Promise<Loose> {
  return applier.http.json('POST', COLLECTION, {
    query: { fieldValidation: 'Strict', ...(dryRun && { dryRun: 'All' }) },
    body: mcm,
  });
}

async function refusal(request: Promise<unknown>): Promise<KubeApiError> {
  const err = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KubeApiError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

/** The webhook configuration of deploy/hub-admission, calling this test's listener instead of the Service. */
async function webhookConfiguration(caPem: string): Promise<Loose> {
  const resources = await loadKustomization(join(REPO_ROOT, 'deploy/hub-admission'));
  const vwc = structuredClone(
    resources.find((r) => r.object.kind === 'ValidatingWebhookConfiguration')!.object,
  ) as Loose;
  for (const webhook of vwc.webhooks) {
    expect(webhook.clientConfig.service.path).toBe(VALIDATE_MANAGED_CLUSTER_MODULE_PATH);
    webhook.clientConfig = {
      url: `https://127.0.0.1:${port}${VALIDATE_MANAGED_CLUSTER_MODULE_PATH}`,
      caBundle: Buffer.from(caPem).toString('base64'),
    };
  }
  return vwc;
}

async function waitForWebhook(): Promise<void> {
  await waitUntil('the API server calls the webhook', async () => {
    const err = await create(mcmWith(badRegexp)).then(
      () => undefined,
      (e: unknown) => e,
    );
    return err instanceof KubeApiError && err.message.includes(DENIED);
  });
}

beforeAll(async () => {
  cluster = await startDedicatedCluster(env, 'admission');
  applier = new ServerSideApplier(clusterKubeConfig(cluster.info), 'admission-proof');
  dir = mkdtempSync(join(tmpdir(), 'kmm-hub-admission-'));
  const ca = createCertificateAuthority(join(dir, 'ca'));
  certs = createServingCert(ca, join(dir, 'serving'), 'kmm-hub-admission');
  await startServer();
  await applier.apply((await webhookConfiguration(ca.pem)) as never);
  await waitForWebhook();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the ManagedClusterModule admission webhook on a real kube-apiserver', () => {
  it('lets a valid ManagedClusterModule through', async () => {
    const mcm = mcmWith();

    const created = await create(mcm, false);

    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each<[string, (s: Loose, mcm: Loose) => void, string]>([
    [
      'a regexp RE2 cannot compile',
      badRegexp,
      `${CONTAINER}.kernelMappings[0].regexp: "^5(?=\\.14)" is not a valid RE2 regular expression: error parsing regexp: invalid or unsupported Perl syntax: \`(?=\``,
    ],
    [
      'a kernel-mapping image without tag or digest',
      (s) => (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: 'registry/img' }]),
      `${CONTAINER}.kernelMappings[0].containerImage: image "registry/img" must set a tag or a digest`,
    ],
    [
      'a container image without tag or digest',
      (s) => (s.moduleLoader.container.containerImage = 'registry/img'),
      `${CONTAINER}.containerImage: image "registry/img" must set a tag or a digest`,
    ],
    [
      'a hostPath escaping /dev',
      (s) =>
        (s.devicePlugin = {
          container: { image: 'a:1' },
          volumes: [{ name: 'v', hostPath: { path: '/dev/../etc' } }],
        }),
      `${MS}.devicePlugin.volumes[0].hostPath.path: hostPath "/dev/../etc" is not allowed; only /dev, /sys, /var, /opt and /run paths are permitted`,
    ],
    [
      'two DeviceClasses with one name',
      (s) =>
        (s.dra = {
          driverName: 'gpu.example.com',
          container: { image: 'b:1' },
          deviceClasses: [{ name: 'gpu' }, { name: 'gpu' }],
        }),
      `${MS}.dra.deviceClasses[1].name: duplicate DeviceClass name "gpu"`,
    ],
    [
      'a module twice in the loading order',
      (s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['a', 'b', 'b'] }),
      `${CONTAINER}.modprobe.modulesLoadingOrder[2]: duplicate module "b"`,
    ],
    [
      'a file to sign outside modprobe.dirName',
      (s) => (s.moduleLoader.container.kernelMappings[0]!.sign!.filesToSign = ['/lib/modules/x.ko']),
      `${CONTAINER}.kernelMappings[0].sign.filesToSign[0]: "/lib/modules/x.ko" must be under modprobe.dirName "/opt"`,
    ],
    [
      'a toleration key that is no qualified name',
      (s) => (s.tolerations = [{ key: 'a b', operator: 'Exists' }]),
      `${MS}.tolerations[0].key: invalid key "a b": name part must consist of alphanumeric characters`,
    ],
    [
      'a toleration value that is no label value',
      (s) => (s.tolerations = [{ key: 'k', operator: 'Equal', value: 'a b' }]),
      `${MS}.tolerations[0].value: invalid value "a b" for operator "Equal": a valid label must be an empty string`,
    ],
    [
      'a clusterSelector requirement In without values',
      (_, m) => (m.spec.clusterSelector = { matchExpressions: [{ key: 'k', operator: 'In' }] }),
      "spec.clusterSelector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
    ],
    [
      'an upcoming kernel with whitespace',
      (_, m) => (m.spec.upcomingKernels = ['6.8.0-49-generic', '6.1.0 28']),
      'spec.upcomingKernels[1]: "6.1.0 28" contains whitespace; a kernel release (uname -r) has none',
    ],
  ])('refuses %s over TLS with 422, naming field, rule and value', async (_, change, message) => {
    const mcm = mcmWith(change);

    const err = await refusal(create(mcm));

    expect(err.status).toBe(422);
    expect(err.message).toContain(`${DENIED}: ManagedClusterModule "${mcm.metadata.name}" is invalid: ${message}`);
  });

  it('leaves typos to strict field validation and old-object rules to CEL, which answer before any webhook', async () => {
    const typo = await refusal(
      create(mcmWith((s) => (s.devicePlugin = { container: { image: 'a:1', env: [{ name: 'A', vaule: 'x' }] } }))),
    );
    const mcm = mcmWith();
    await create(mcm, false);
    const stored = await applier.http.json<Loose>('GET', `${COLLECTION}/${mcm.metadata.name}`);
    stored.spec.moduleSpec.moduleLoader.container.version = '2';
    const transition = await refusal(applier.http.json('PUT', `${COLLECTION}/${mcm.metadata.name}`, { body: stored }));

    expect([typo.status, typo.message]).toEqual([
      400,
      expect.stringContaining('unknown field "spec.moduleSpec.devicePlugin.container.env[0].vaule"'),
    ]);
    expect([transition.status, transition.message]).toEqual([
      422,
      expect.stringContaining(`${CONTAINER}.version: Invalid value: cannot change from "" to "2"`),
    ]);
  });

  it('with the hub down lets writes through (failurePolicy Ignore), and once back refuses spec changes but not label edits', async () => {
    await server!.close();
    server = undefined;
    const stored = mcmWith(badRegexp);

    // Down: the API server cannot connect and, per failurePolicy Ignore, admits; the reconciler's Valid=False and
    // InvalidSpec event report the object instead.
    const created = await create(stored, false);
    expect(created.metadata.name).toBe(stored.metadata.name);

    await startServer();
    await waitForWebhook();
    const path = `${COLLECTION}/${stored.metadata.name}`;
    const current = await applier.http.json<Loose>('GET', path);
    current.metadata.labels = { team: 'gpu' };
    const relabelled = await applier.http.json<Loose>('PUT', path, { body: current });
    relabelled.spec.selector = { name: 'other' };
    const respecified = await refusal(applier.http.json('PUT', path, { body: relabelled }));

    expect(relabelled.metadata.labels).toEqual({ team: 'gpu' });
    expect(respecified.status).toBe(422);
    expect(respecified.message).toContain(`${DENIED}: ManagedClusterModule "${stored.metadata.name}" is invalid`);
  });
});
