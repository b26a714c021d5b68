import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterKubeConfig, createCertificateAuthority, createClientCert, type ClusterInfo } from '@kmm-hub/test-env';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeconfigFile, loadKubeconfigFiles } from './kube-config.js';
import { KubeHttp } from './kube-http.js';

const env = inject('env');

interface SelfSubjectReview {
  status: { userInfo: { username: string; groups?: string[] } };
}

/** Who the API server says the caller is. Every authenticated user may ask (system:basic-user). */
async function whoAmI(http: KubeHttp): Promise<SelfSubjectReview['status']['userInfo']> {
  const review = await http.json<SelfSubjectReview>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status.userInfo;
}

function writeKubeconfig(dir: string, hub: ClusterInfo, cluster: object, user: object): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'hub',
      clusters: [{ name: 'hub', cluster: { server: hub.server, ...cluster } }],
      users: [{ name: 'agent', user }],
      contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'agent' } }],
    }),
  );
  return path;
}

// Our own kubeconfig loader against a real API server: the credentials an OCM hub-kubeconfig-secret or a pod's
// service account give the agent must authenticate as the identity they name.
describe('kubeconfig credentials on a real API server', () => {
  // Made in beforeAll: a run that filters out every test here skips afterAll too, and the folder (client keys)
  // would stay.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmm-kubeconfig-int-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hub = env.hub;

  it('authenticates with a client certificate and CA given as files beside the kubeconfig', async () => {
    const ca = createCertificateAuthority(env.pkiDir);
    const user = `cert-user-${randomBytes(3).toString('hex')}`;
    const cert = createClientCert(ca, dir, user, ['kmm-test-group']);
    writeFileSync(join(dir, 'ca.crt'), hub.caPem);
    const path = writeKubeconfig(
      dir,
      hub,
      { 'certificate-authority': 'ca.crt' },
      { 'client-certificate': cert.certPath, 'client-key': cert.keyPath },
    );
    const me = await whoAmI(new KubeHttp(loadKubeconfigFile(path)));
    expect(me.username).toBe(user);
    expect(me.groups).toContain('kmm-test-group');
  });

  it('authenticates from a kubeconfig and the files it names held in memory, as a Secret carries them', async () => {
    const ca = createCertificateAuthority(env.pkiDir);
    const user = `mem-user-${randomBytes(3).toString('hex')}`;
    const cert = createClientCert(ca, dir, user, ['kmm-test-group']);
    const kubeconfig = readFileSync(
      writeKubeconfig(
        dir,
        hub,
        { 'certificate-authority': 'ca.crt' },
        { 'client-certificate': 'tls.crt', 'client-key': 'tls.key' },
      ),
    );
    const files = {
      kubeconfig,
      'ca.crt': Buffer.from(hub.caPem),
      'tls.crt': readFileSync(cert.certPath),
      'tls.key': readFileSync(cert.keyPath),
    };
    const me = await whoAmI(new KubeHttp(loadKubeconfigFiles(files, 'kubeconfig', 'Secret ns/hub')));
    expect(me.username).toBe(user);
    const { 'tls.key': _key, ...withoutKey } = files;
    expect(() => loadKubeconfigFiles(withoutKey, 'kubeconfig', 'Secret ns/hub')).toThrow(
      'kubeconfig Secret ns/hub: names "tls.key", which Secret ns/hub has no key for',
    );
    expect(() => loadKubeconfigFiles({ 'ca.crt': files['ca.crt'] }, 'kubeconfig', 'Secret ns/hub')).toThrow(
      'Secret ns/hub has no key "kubeconfig"',
    );
    // Keys are looked up as own properties: a kubeconfig naming "constructor" finds nothing.
    const proto = readFileSync(writeKubeconfig(dir, hub, { 'certificate-authority': 'constructor' }, { token: 'x' }));
    expect(() => loadKubeconfigFiles({ kubeconfig: proto }, 'kubeconfig', 'Secret ns/hub')).toThrow(
      'names "constructor"',
    );
  });

  it('authenticates with a service-account token file, re-read from disk', async () => {
    const admin = new KubeHttp(clusterKubeConfig(hub));
    const ns = `kubeconfig-${randomBytes(3).toString('hex')}`;
    await admin.json('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
    await admin.json('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name: 'agent' } } });
    const request = await admin.json<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${ns}/serviceaccounts/agent/token`,
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } },
    );
    writeFileSync(join(dir, 'sa-token'), `${request.status.token}\n`);
    const path = writeKubeconfig(
      dir,
      hub,
      { 'certificate-authority-data': Buffer.from(hub.caPem).toString('base64') },
      { tokenFile: 'sa-token' },
    );
    expect((await whoAmI(new KubeHttp(loadKubeconfigFile(path)))).username).toBe(`system:serviceaccount:${ns}:agent`);
  });

  it('refuses a server its CA does not vouch for, unless told to skip verification', async () => {
    const otherCa = createCertificateAuthority(join(dir, 'other-ca'));
    const token = { token: hub.adminToken };
    const strict = writeKubeconfig(
      dir,
      hub,
      { 'certificate-authority-data': Buffer.from(otherCa.pem).toString('base64') },
      token,
    );
    await expect(whoAmI(new KubeHttp(loadKubeconfigFile(strict)))).rejects.toThrow(/certificate/);
    const insecure = writeKubeconfig(dir, hub, { 'insecure-skip-tls-verify': true }, token);
    expect((await whoAmI(new KubeHttp(loadKubeconfigFile(insecure)))).username).toBe('kmm-admin');
  });

  /**
   * A real exec credential plugin: a script beside the kubeconfig (a relative command, as kubectl resolves it) that
   * answers with the token its env names. Each run is counted in a file so the test sees when it ran.
   */
  function execKubeconfig(
    name: string,
    script: string,
    pluginEnv: Record<string, string>,
  ): { path: string; runs: () => number } {
    const sub = mkdtempSync(join(dir, `${name}-`));
    const runs = join(sub, 'runs');
    writeFileSync(join(sub, 'plugin.sh'), `#!/bin/sh\necho run >> "$RUNS"\n${script}\n`);
    chmodSync(join(sub, 'plugin.sh'), 0o700);
    const path = writeKubeconfig(
      sub,
      hub,
      { 'certificate-authority-data': Buffer.from(hub.caPem).toString('base64') },
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: './plugin.sh',
          env: Object.entries({ ...pluginEnv, RUNS: runs }).map(([n, value]) => ({ name: n, value })),
          provideClusterInfo: true,
        },
      },
    );
    const count = () => {
      try {
        return readFileSync(runs, 'utf8').trim().split('\n').length;
      } catch {
        return 0;
      }
    };
    return { path, runs: count };
  }

  const credential = (tokenExpr: string) =>
    `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "${tokenExpr}"`;

  it('authenticates with the token an exec credential plugin prints, running it once for many requests', async () => {
    const plugin = execKubeconfig(
      'exec-token',
      // provideClusterInfo: the plugin is told which server it is for, as EKS's and GKE's plugins expect.
      `echo "$KUBERNETES_EXEC_INFO" | grep -q '"server":"${hub.server}"' || { echo "no cluster info" >&2; exit 1; }\n${credential('$TOKEN')}`,
      { TOKEN: hub.adminToken },
    );
    const http = new KubeHttp(loadKubeconfigFile(plugin.path));
    const answers = await Promise.all([whoAmI(http), whoAmI(http), whoAmI(http)]);
    expect(answers.map((a) => a.username)).toEqual(['kmm-admin', 'kmm-admin', 'kmm-admin']);
    expect(plugin.runs()).toBe(1);
  });

  it('runs the plugin again when the server refuses its credential (401), as client-go does', async () => {
    // First run: a revoked token; later runs: a valid one.
    const plugin = execKubeconfig(
      'exec-401',
      `if [ "$(wc -l < "$RUNS")" -eq 1 ]; then ${credential('revoked-token')}; else ${credential('$TOKEN')}; fi`,
      { TOKEN: hub.adminToken },
    );
    const http = new KubeHttp(loadKubeconfigFile(plugin.path));
    expect((await whoAmI(http)).username).toBe('kmm-admin');
    expect(plugin.runs()).toBe(2);
  });

  it("fails a request with the plugin's explanation when the plugin fails", async () => {
    const plugin = execKubeconfig('exec-fails', 'echo "the SSO session expired" >&2; exit 1', {});
    await expect(whoAmI(new KubeHttp(loadKubeconfigFile(plugin.path)))).rejects.toThrow(
      'exec plugin ./plugin.sh failed: the SSO session expired',
    );
  });
});

// Periodic requests (a Lease renewed every 5 s, an agent's 60 s status) must reuse one connection: Node's global
// agent dropped it after 5 s idle, and every renewal paid a TLS handshake and a new secure context.
describe('connections to a real API server', () => {
  it('reuses one connection for requests more than 5 s apart', async () => {
    const http = new KubeHttp(clusterKubeConfig(env.hub));
    const sockets: unknown[] = [];
    const onSocket = (message: unknown) => sockets.push(message);
    subscribe('net.client.socket', onSocket);
    try {
      await http.json('GET', '/api/v1/namespaces/default');
      await sleep(6_000);
      await http.json('GET', '/api/v1/namespaces/default');
      await http.json('GET', '/api/v1/namespaces/kube-system');
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
    expect(sockets).toHaveLength(1);
  }, 20_000);
});
