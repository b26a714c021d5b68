import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterKubeConfig, createCertificateAuthority, createClientCert, type ClusterInfo } from '@kmm-hub/test-env';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeconfigFile } from './kube-config.js';
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
  const dir = mkdtempSync(join(tmpdir(), 'kmm-kubeconfig-int-'));
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
});
