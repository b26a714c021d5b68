import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import {
  BUILTIN_RESOURCES,
  ResourceClient,
  createKubeConfig,
  type KubeHttp,
  type KubeClientConfig,
} from '@kmm-hub/kube';

/** The key of the hub kubeconfig in OCM's `hub-kubeconfig-secret`; its other keys are the files it names. */
export const HUB_KUBECONFIG_KEY = 'kubeconfig';

/** Secret keys are `[-._a-zA-Z0-9]+`; anything else (or `.`/`..`) would escape the folder it is written into. */
const SAFE_FILE_NAME = /^(?!\.{1,2}$)[-._a-zA-Z0-9]+$/;

export type HubKubeConfigSource = { kind: 'file'; path: string } | { kind: 'secret'; namespace: string; name: string };

/**
 * The hub KubeConfig, from a file or from a Secret on the spoke. A Secret is written, every key a file, into a
 * private folder (mode 0700, as a Secret volume would be mounted) and loaded from there, so a kubeconfig naming
 * `tls.crt`/`tls.key` beside it works like OCM's mounted `hub-kubeconfig-secret`.
 */
export async function loadHubKubeConfig(source: HubKubeConfigSource, spoke: KubeHttp): Promise<KubeClientConfig> {
  if (source.kind === 'file') return createKubeConfig({ kind: 'file', path: source.path });
  let secret: V1Secret;
  try {
    secret = await new ResourceClient<V1Secret>(spoke, BUILTIN_RESOURCES.Secret).get(source.name, {
      namespace: source.namespace,
    });
  } catch (err) {
    throw new Error(`read hub kubeconfig Secret ${source.namespace}/${source.name}`, { cause: err });
  }
  const data = secret.data ?? {};
  if (data[HUB_KUBECONFIG_KEY] === undefined) {
    throw new Error(`Secret ${source.namespace}/${source.name} has no key "${HUB_KUBECONFIG_KEY}"`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kmm-spoke-agent-hub-'));
  for (const [key, value] of Object.entries(data)) {
    if (!SAFE_FILE_NAME.test(key)) throw new Error(`Secret ${source.namespace}/${source.name} has an unsafe key name`);
    writeFileSync(join(dir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
  }
  return createKubeConfig({ kind: 'file', path: join(dir, HUB_KUBECONFIG_KEY) });
}
