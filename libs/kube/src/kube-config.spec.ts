import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  KubeClientConfig,
  createKubeConfig,
  inClusterConfig,
  loadKubeconfigFile,
  selectKubeconfigContext,
} from './kube-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(overrides: { cluster?: object; user?: object; current?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': overrides.current ?? 'hub',
    clusters: [
      { name: 'hub-cluster', cluster: { server: 'https://127.0.0.1:6443', ...overrides.cluster } },
      { name: 'other-cluster', cluster: { server: 'https://10.0.0.1:6443' } },
    ],
    users: [
      { name: 'hub-user', user: { token: 'hub-token', ...overrides.user } },
      { name: 'other-user', user: { token: 'other-token' } },
    ],
    contexts: [
      { name: 'hub', context: { cluster: 'hub-cluster', user: 'hub-user' } },
      { name: 'other', context: { cluster: 'other-cluster', user: 'other-user' } },
      { name: 'dangling', context: { cluster: 'missing', user: 'hub-user' } },
    ],
  };
}

describe('selectKubeconfigContext', () => {
  it('follows current-context to its cluster and user', () => {
    const sel = selectKubeconfigContext(kubeconfig());
    expect(sel.contextName).toBe('hub');
    expect(sel.cluster).toEqual({
      name: 'hub-cluster',
      server: 'https://127.0.0.1:6443',
      caFile: undefined,
      caData: undefined,
      insecureSkipTLSVerify: false,
      tlsServerName: undefined,
    });
    expect(sel.user.token).toBe('hub-token');
  });

  it('uses the context asked for over current-context', () => {
    const sel = selectKubeconfigContext(kubeconfig(), 'other');
    expect(sel.cluster.server).toBe('https://10.0.0.1:6443');
    expect(sel.user.token).toBe('other-token');
  });

  it('reads every TLS and credential field under its kubectl name', () => {
    const sel = selectKubeconfigContext(
      kubeconfig({
        cluster: {
          'certificate-authority': 'ca.crt',
          'certificate-authority-data': b64('CA'),
          'insecure-skip-tls-verify': true,
          'tls-server-name': 'api.internal',
        },
        user: {
          token: undefined,
          tokenFile: 'token',
          'client-certificate': 'tls.crt',
          'client-certificate-data': b64('CERT'),
          'client-key': 'tls.key',
          'client-key-data': b64('KEY'),
          username: 'u',
          password: 'p',
        },
      }),
    );
    expect(sel.cluster).toMatchObject({
      caFile: 'ca.crt',
      caData: b64('CA'),
      insecureSkipTLSVerify: true,
      tlsServerName: 'api.internal',
    });
    expect(sel.user).toEqual({
      token: undefined,
      tokenFile: 'token',
      clientCertFile: 'tls.crt',
      clientCertData: b64('CERT'),
      clientKeyFile: 'tls.key',
      clientKeyData: b64('KEY'),
      username: 'u',
      password: 'p',
    });
  });

  it('accepts a context without a user (anonymous)', () => {
    const doc = kubeconfig();
    doc.contexts[0] = { name: 'hub', context: { cluster: 'hub-cluster' } as never };
    expect(selectKubeconfigContext(doc).user).toEqual({
      token: undefined,
      tokenFile: undefined,
      clientCertFile: undefined,
      clientCertData: undefined,
      clientKeyFile: undefined,
      clientKeyData: undefined,
      username: undefined,
      password: undefined,
    });
  });

  it.each([
    ['a document that is not a mapping', 'just text', undefined, 'kubeconfig: not a YAML mapping'],
    ['no context at all', { ...kubeconfig(), 'current-context': '' }, undefined, 'no context given'],
    ['an unknown context', kubeconfig(), 'nope', 'kubeconfig: context "nope" not found'],
    ['a context naming an unknown cluster', kubeconfig(), 'dangling', 'kubeconfig: cluster "missing" not found'],
    ['a cluster without a server', kubeconfig({ cluster: { server: undefined } }), undefined, 'has no server'],
    [
      'a server that is not an http(s) URL',
      kubeconfig({ cluster: { server: 'unix:///run/k8s.sock' } }),
      undefined,
      'server "unix:///run/k8s.sock" is not an http(s) URL',
    ],
    [
      'an exec credential plugin without an apiVersion',
      kubeconfig({ user: { exec: { command: 'aws' } } }),
      undefined,
      'user "hub-user".exec.apiVersion must be one of client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1',
    ],
    [
      'an exec credential plugin that needs a terminal',
      kubeconfig({
        user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'oc', interactiveMode: 'Always' } },
      }),
      undefined,
      'exec.interactiveMode is Always, but KMM-Hub runs without a terminal',
    ],
    [
      'an auth provider',
      kubeconfig({ user: { 'auth-provider': { name: 'gcp' } } }),
      undefined,
      'user "hub-user" uses auth-provider, which KMM-Hub does not run; give it an exec credential plugin',
    ],
    [
      'a non-boolean insecure-skip-tls-verify',
      kubeconfig({ cluster: { 'insecure-skip-tls-verify': 'yes' } }),
      undefined,
      'insecure-skip-tls-verify must be true or false',
    ],
    ['a non-string token', kubeconfig({ user: { token: 42 } }), undefined, 'user "hub-user".token must be a string'],
  ])('refuses %s with a precise message', (_, doc, context, message) => {
    expect(() => selectKubeconfigContext(doc, context)).toThrow(message);
  });
});

describe('KubeClientConfig.applyTo', () => {
  const apply = (kc: KubeClientConfig) => {
    const opts: RequestOptions = { headers: { accept: 'application/json' } };
    kc.applyTo(opts);
    return opts;
  };
  const cluster = { name: 'c', server: 'https://127.0.0.1:6443', insecureSkipTLSVerify: false };

  it('sends a bearer token and trusts the CA, keeping other headers', () => {
    const opts = apply(new KubeClientConfig({ ...cluster, caPem: 'CA PEM' }, { token: 't0ken' }));
    expect(opts.headers).toEqual({ accept: 'application/json', authorization: 'Bearer t0ken' });
    expect(opts.ca).toBe('CA PEM');
    expect(opts.rejectUnauthorized).toBeUndefined();
  });

  it('presents a client certificate, skips verification only when asked, and sets the TLS server name', () => {
    const opts = apply(
      new KubeClientConfig(
        { ...cluster, insecureSkipTLSVerify: true, tlsServerName: 'api.internal' },
        { clientCertPem: 'CERT', clientKeyPem: 'KEY' },
      ),
    );
    expect(opts).toMatchObject({ cert: 'CERT', key: 'KEY', rejectUnauthorized: false, servername: 'api.internal' });
    expect(opts.headers).toEqual({ accept: 'application/json' });
  });

  it('falls back to basic auth when there is no token', () => {
    const opts = apply(new KubeClientConfig(cluster, { username: 'admin', password: 's3cret' }));
    expect(opts.headers).toMatchObject({ authorization: `Basic ${b64('admin:s3cret')}` });
  });

  it('re-reads a token file once a minute, so a rotated service-account token is picked up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmm-kubeconfig-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'first\n');
      let now = 1_000_000;
      const kc = new KubeClientConfig(cluster, { tokenFile: file }, () => now);
      expect(kc.bearerToken()).toBe('first');
      writeFileSync(file, 'second\n');
      now += 59_000;
      expect(kc.bearerToken()).toBe('first');
      now += 1_000;
      expect(kc.bearerToken()).toBe('second');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loading kubeconfig files', () => {
  // Made in beforeAll: a run that filters out every test here skips afterAll too (the folder would stay).
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmm-kubeconfig-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files a kubeconfig names relative to its own folder, as a mounted hub-kubeconfig-secret has them', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA FROM FILE');
    writeFileSync(join(dir, 'tls.crt'), 'CERT FROM FILE');
    writeFileSync(join(dir, 'tls.key'), 'KEY FROM FILE');
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      stringify(
        kubeconfig({
          cluster: { 'certificate-authority': 'ca.crt' },
          user: { token: undefined, 'client-certificate': 'tls.crt', 'client-key': join(dir, 'tls.key') },
        }),
      ),
    );
    const kc = loadKubeconfigFile(path);
    expect(kc.server).toBe('https://127.0.0.1:6443');
    expect(kc.cluster.caPem).toBe('CA FROM FILE');
    expect(kc.user).toMatchObject({ clientCertPem: 'CERT FROM FILE', clientKeyPem: 'KEY FROM FILE' });
  });

  it('prefers inline data over a file and resolves a relative tokenFile', () => {
    const path = join(dir, 'inline');
    writeFileSync(join(dir, 'sa-token'), 'from-file\n');
    writeFileSync(
      path,
      stringify(
        kubeconfig({
          cluster: { 'certificate-authority': 'does-not-exist', 'certificate-authority-data': b64('INLINE CA') },
          user: { token: undefined, tokenFile: 'sa-token' },
        }),
      ),
    );
    const kc = createKubeConfig({ kind: 'file', path });
    expect(kc.cluster.caPem).toBe('INLINE CA');
    expect(kc.bearerToken()).toBe('from-file');
  });

  it('names the file when its YAML does not parse', () => {
    const path = join(dir, 'broken');
    writeFileSync(path, 'clusters: [\n');
    expect(() => loadKubeconfigFile(path)).toThrow(`kubeconfig ${path}:`);
  });

  it('finds the in-cluster service account like client-go, bracketing an IPv6 host', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CLUSTER CA');
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    const kc = inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(kc.server).toBe('https://[fd00::1]:443');
    expect(kc.cluster.caPem).toBe('CLUSTER CA');
    expect(kc.bearerToken()).toBe('sa-token');
    expect(() => inClusterConfig({}, dir)).toThrow('not running in a cluster');
  });
});
