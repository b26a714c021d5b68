import { KubeConfig } from '@kubernetes/client-node';

export type KubeConnection =
  | { kind: 'token'; name: string; server: string; token: string; caPem?: string; insecureSkipTLSVerify?: boolean }
  | { kind: 'file'; path: string; context?: string }
  | { kind: 'in-cluster' };

/** The one way the project builds a KubeConfig, whichever cluster (hub or spoke) and credential it points at. */
export function createKubeConfig(conn: KubeConnection): KubeConfig {
  const kc = new KubeConfig();
  switch (conn.kind) {
    case 'token':
      kc.loadFromOptions({
        clusters: [
          {
            name: conn.name,
            server: conn.server,
            caData: conn.caPem ? Buffer.from(conn.caPem).toString('base64') : undefined,
            skipTLSVerify: conn.insecureSkipTLSVerify ?? false,
          },
        ],
        users: [{ name: conn.name, token: conn.token }],
        contexts: [{ name: conn.name, cluster: conn.name, user: conn.name }],
        currentContext: conn.name,
      });
      break;
    case 'file':
      kc.loadFromFile(conn.path);
      if (conn.context) kc.setCurrentContext(conn.context);
      break;
    case 'in-cluster':
      kc.loadFromCluster();
      break;
  }
  return kc;
}
