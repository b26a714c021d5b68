import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExecCredentialSource, parseExecCredential, parseExecPluginConfig } from './exec-credential.js';

const V1 = 'client.authentication.k8s.io/v1';
const credential = (status: unknown, apiVersion = V1) => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

describe(parseExecCredential.name, () => {
  it.each([
    ['a token', credential({ token: 't' }), { token: 't' }],
    [
      'a token with its expiry',
      credential({ token: 't', expirationTimestamp: '2026-12-05T01:00:00Z' }),
      { token: 't', expiresAt: Date.parse('2026-12-05T01:00:00Z') },
    ],
    [
      'a client certificate',
      credential({ clientCertificateData: 'CERT', clientKeyData: 'KEY' }),
      { clientCertPem: 'CERT', clientKeyPem: 'KEY' },
    ],
  ])('reads %s', (_, stdout, expected) => {
    expect(parseExecCredential(stdout, V1)).toEqual(expected);
  });

  it.each([
    ['output that is not JSON', 'Error: please log in', 'stdout is not JSON'],
    ['another kind', JSON.stringify({ apiVersion: V1, kind: 'Status' }), 'stdout is not an ExecCredential'],
    [
      'another apiVersion',
      credential({ token: 't' }, 'client.authentication.k8s.io/v1beta1'),
      'answered apiVersion client.authentication.k8s.io/v1beta1, the kubeconfig asked for client.authentication.k8s.io/v1',
    ],
    ['no status', JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }), 'has no status'],
    ['an empty status', credential({}), 'neither a token nor a client certificate'],
    ['a certificate without its key', credential({ clientCertificateData: 'C' }), 'must come together'],
    ['a token that is not a string', credential({ token: 42 }), 'status.token must be a string'],
    ['a bad expiry', credential({ token: 't', expirationTimestamp: 'soon' }), 'not an RFC 3339 time'],
  ])('refuses %s', (_, stdout, message) => {
    expect(() => parseExecCredential(stdout, V1)).toThrow(message);
  });
});

describe(parseExecPluginConfig.name, () => {
  it('reads command, args, env and provideClusterInfo', () => {
    expect(
      parseExecPluginConfig(
        {
          apiVersion: V1,
          command: 'aws',
          args: ['eks', 'get-token'],
          env: [{ name: 'AWS_PROFILE', value: 'p' }],
          provideClusterInfo: true,
        },
        'user "u"',
      ),
    ).toEqual({
      apiVersion: V1,
      command: 'aws',
      args: ['eks', 'get-token'],
      env: [{ name: 'AWS_PROFILE', value: 'p' }],
      provideClusterInfo: true,
    });
  });

  it.each([
    [{ apiVersion: V1 }, 'user "u".exec.command is required'],
    [{ apiVersion: V1, command: 'x', args: 'a b' }, 'exec.args must be a list of strings'],
    [{ apiVersion: V1, command: 'x', env: [{ name: 'A' }] }, 'exec.env must be a list of {name, value} strings'],
    ['aws', 'user "u".exec must be a mapping'],
  ])('refuses %j', (exec, message) => {
    expect(() => parseExecPluginConfig(exec, 'user "u"')).toThrow(message);
  });
});

describe(ExecCredentialSource.name, () => {
  it('runs a real plugin once, serves the cached credential until it expires, and again after invalidate', async () => {
    let now = Date.parse('2026-12-05T00:00:00Z');
    const expiry = '2026-12-05T00:10:00Z';
    // The plugin counts its runs in its token, so the test sees when it ran.
    const script = `n=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 )); echo $n > "$COUNT"; printf '%s' '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"run-'"$n"'","expirationTimestamp":"${expiry}"}}'`;
    const count = `/tmp/kmm-exec-count-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const sut = new ExecCredentialSource(
      {
        apiVersion: V1,
        command: '/bin/sh',
        args: ['-c', script],
        env: [{ name: 'COUNT', value: count }],
        provideClusterInfo: false,
      },
      { baseDir: '/', cluster: { server: 'https://127.0.0.1:1', insecureSkipTLSVerify: false } },
      () => now,
    );
    expect(sut.current()).toBeUndefined();
    const [a, b] = await Promise.all([sut.refresh(), sut.refresh()]);
    expect([a.token, b.token]).toEqual(['run-1', 'run-1']);
    expect((await sut.refresh()).token).toBe('run-1');
    now = Date.parse(expiry);
    expect(sut.current()).toBeUndefined();
    expect((await sut.refresh()).token).toBe('run-2');
    sut.invalidate();
    expect((await sut.refresh()).token).toBe('run-3');
    rmSync(count);
  });

  it("fails with the plugin's own explanation when it exits non-zero", async () => {
    const sut = new ExecCredentialSource(
      {
        apiVersion: V1,
        command: '/bin/sh',
        args: ['-c', 'echo "token expired, run login" >&2; exit 3'],
        env: [],
        provideClusterInfo: false,
      },
      { baseDir: '/', cluster: { server: 'https://127.0.0.1:1', insecureSkipTLSVerify: false } },
    );
    await expect(sut.refresh()).rejects.toThrow('exec plugin /bin/sh failed: token expired, run login');
  });
});
