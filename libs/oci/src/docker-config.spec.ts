import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type DockerConfig, RegistryCredentials, findCredentials, parseDockerConfig } from './docker-config.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function config(auths: Record<string, unknown>): DockerConfig {
  const result = parseDockerConfig(JSON.stringify({ auths }));
  if (!result.ok) throw new Error(result.issues.join('; '));
  return result.config;
}

describe('parseDockerConfig', () => {
  it('reads auth as base64 username:password, splitting at the first colon', () => {
    const sut = config({ 'quay.io': { auth: b64('robot:pa:ss') } });
    expect(sut.entries).toHaveLength(1);
    expect(sut.entries[0]?.credentials.username).toBe('robot');
    expect(sut.entries[0]?.credentials.password).toBe('pa:ss');
  });

  it('reads username and password fields', () => {
    const sut = config({ 'quay.io': { username: 'u', password: 'p', email: 'x@y' } });
    expect(sut.entries[0]?.credentials.password).toBe('p');
  });

  it('prefers auth over username and password, as the kubelet does', () => {
    const sut = config({ 'quay.io': { username: 'u', password: 'p', auth: b64('a:b') } });
    expect(sut.entries[0]?.credentials.username).toBe('a');
  });

  it('skips entries without credentials', () => {
    expect(config({ 'quay.io': { email: 'x@y' } }).entries).toEqual([]);
  });

  it('accepts the legacy .dockercfg form without "auths"', () => {
    const result = parseDockerConfig(JSON.stringify({ 'quay.io': { auth: b64('u:p') } }));
    expect(result.ok && result.config.entries[0]?.key).toBe('quay.io');
  });

  it('accepts bytes', () => {
    const result = parseDockerConfig(Buffer.from(JSON.stringify({ auths: {} })));
    expect(result).toEqual({ ok: true, config: { entries: [] } });
  });

  it.each([
    ['{', 'docker config is not valid JSON'],
    ['[]', 'docker config must be a JSON object'],
    ['{"auths": 3}', 'docker config "auths" must be an object'],
    ['{"auths": {"r": 1}}', 'auths["r"] must be an object'],
    ['{"auths": {"r": {"auth": "%%%"}}}', 'auths["r"].auth is not base64'],
    [`{"auths": {"r": {"auth": "${b64('nocolon')}"}}}`, 'auths["r"].auth must decode to "username:password"'],
    ['{"auths": {"r": {"username": "u"}}}', 'auths["r"] must give "username" and "password" as strings'],
  ])('reports %s as an issue', (text, issue) => {
    expect(parseDockerConfig(text)).toEqual({ ok: false, issues: [issue] });
  });

  it('never quotes a secret in its issues', () => {
    const result = parseDockerConfig(`{"auths": {"r": {"auth": "${b64('topsecret')}"}}}`);
    expect(JSON.stringify(result)).not.toContain('topsecret');
  });
});

describe('findCredentials', () => {
  const sut = config({
    'https://index.docker.io/v1/': { auth: b64('hub:1') },
    'quay.io': { auth: b64('quay:1') },
    'quay.io/kmm': { auth: b64('quay-kmm:1') },
    'quay.io/kmm/driver': { auth: b64('quay-kmm-driver:1') },
    '*.example.com': { auth: b64('wild:1') },
    'reg.example.com': { auth: b64('exact:1') },
    'http://127.0.0.1:5000/v2/': { auth: b64('local:1') },
    'Mixed.Case.IO': { auth: b64('mixed:1') },
    'pre*.corp.io': { auth: b64('prefix:1') },
  });
  const user = (registry: string, repository?: string): string | undefined =>
    findCredentials(sut, registry, repository)?.username;

  it.each([
    ['docker.io', 'library/nginx', 'hub'],
    ['index.docker.io', 'library/nginx', 'hub'],
    ['quay.io', 'other/x', 'quay'],
    ['quay.io', 'kmm/other', 'quay-kmm'],
    ['quay.io', 'kmm/driver', 'quay-kmm-driver'],
    ['quay.io', 'kmm/driver-x', 'quay-kmm'],
    ['quay.io', 'kmmx/driver', 'quay'],
    ['a.example.com', 'x', 'wild'],
    ['reg.example.com', 'x', 'exact'],
    ['a.b.example.com', 'x', undefined],
    ['example.com', 'x', undefined],
    ['127.0.0.1:5000', 'kmm/hello', 'local'],
    ['127.0.0.1:5001', 'kmm/hello', undefined],
    ['127.0.0.1', 'kmm/hello', undefined],
    ['quay.io:443', 'kmm/driver', undefined],
    ['mixed.case.io', 'x', 'mixed'],
    ['prefix.corp.io', 'x', 'prefix'],
    ['other.corp.io', 'x', undefined],
    ['ghcr.io', 'x', undefined],
  ])('gives %s/%s the credentials of %s', (registry, repository, expected) => {
    expect(user(registry, repository)).toBe(expected);
  });

  it('matches by host alone when no repository is given', () => {
    expect(user('quay.io')).toBe('quay');
  });

  it('takes the first of equally specific keys', () => {
    const twice = config({ 'https://quay.io': { auth: b64('first:1') }, 'quay.io/': { auth: b64('second:1') } });
    expect(findCredentials(twice, 'quay.io', 'x')?.username).toBe('first');
  });
});

describe(RegistryCredentials.name, () => {
  const sut = new RegistryCredentials('robot', 's3cret');

  it('builds a Basic authorization header', () => {
    expect(sut.basicAuthorization()).toBe(`Basic ${b64('robot:s3cret')}`);
  });

  it('redacts the password in JSON, strings and inspect output', () => {
    expect(JSON.stringify({ creds: sut })).toBe('{"creds":{"username":"robot","password":"[REDACTED]"}}');
    expect(String(sut)).not.toContain('s3cret');
    expect(inspect(sut)).not.toContain('s3cret');
    expect(inspect({ nested: [sut] }, { depth: 5 })).not.toContain('s3cret');
    expect(Object.keys(sut)).not.toContain('password');
  });

  it('redacts a whole parsed config', () => {
    const parsed = parseDockerConfig(JSON.stringify({ auths: { 'quay.io': { auth: b64('u:hunter2') } } }));
    expect(JSON.stringify(parsed)).not.toContain('hunter2');
    expect(inspect(parsed, { depth: 10 })).not.toContain('hunter2');
  });
});
