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

export type HubKubeConfigSource = { kind: 'file'; path: string } | { kind: 'secret'; namespace: string; name: string };

/**
 * The hub KubeConfig, from a file or from a Secret on the spoke. A Secret's keys are the files its kubeconfig names
 * (OCM's `hub-kubeconfig-secret` names `tls.crt`/`tls.key` beside it); they stay in memory, never on disk, so the
 * hub credential leaves nothing behind when the agent stops or is killed.
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
  const files = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  return createKubeConfig({
    kind: 'files',
    files,
    kubeconfigKey: HUB_KUBECONFIG_KEY,
    source: `Secret ${source.namespace}/${source.name}`,
  });
}
