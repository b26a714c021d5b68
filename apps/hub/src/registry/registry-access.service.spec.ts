import { parseDockerConfig, type DockerConfig } from '@kmm-hub/oci';
import { describe, expect, it } from 'vitest';
import { MAX_REGISTRY_CLIENTS, RegistryAccessService } from './registry-access.service.js';

function dockerConfig(auths: Record<string, [string, string]>): DockerConfig {
  const json = {
    auths: Object.fromEntries(
      Object.entries(auths).map(([registry, [user, password]]) => [
        registry,
        { auth: Buffer.from(`${user}:${password}`).toString('base64') },
      ]),
    ),
  };
  const parsed = parseDockerConfig(Buffer.from(JSON.stringify(json)));
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return parsed.config;
}

const CONFIG = dockerConfig({ 'registry.example': ['robot', 'pw1'] });
const SECRET = { name: 'pull', resourceVersion: '10' };

describe(RegistryAccessService.name, () => {
  it('hands out one client per registry, credential and TLS flags, whatever the repository or tag', () => {
    const sut = new RegistryAccessService();
    const a = sut.clientFor('registry.example/a/driver:1', {}, { config: CONFIG, secret: SECRET });
    const b = sut.clientFor('registry.example/b/other:2', { insecure: false }, { config: CONFIG, secret: SECRET });
    expect(b).toBe(a);
    expect(sut.size).toBe(1);
  });

  it.each([
    ['another registry', 'other.example/a/driver:1', {}, { config: CONFIG, secret: SECRET }, {}],
    ['insecure', 'registry.example/a/driver:1', { insecure: true }, { config: CONFIG, secret: SECRET }, {}],
    [
      'insecureSkipTLSVerify',
      'registry.example/a/driver:1',
      { insecureSkipTLSVerify: true },
      { config: CONFIG, secret: SECRET },
      {},
    ],
    ['no credential', 'registry.example/a/driver:1', {}, {}, {}],
    [
      'another password in the same Secret version',
      'registry.example/a/driver:1',
      {},
      { config: dockerConfig({ 'registry.example': ['robot', 'pw2'] }), secret: SECRET },
      {},
    ],
    ['a timeout', 'registry.example/a/driver:1', {}, { config: CONFIG, secret: SECRET }, { timeoutMs: 5000 }],
  ])('gives a new client for %s', (_what, image, tls, access, options) => {
    const sut = new RegistryAccessService();
    const first = sut.clientFor('registry.example/a/driver:1', {}, { config: CONFIG, secret: SECRET });
    expect(sut.clientFor(image, tls, access, options)).not.toBe(first);
    expect(sut.size).toBe(2);
  });

  it('drops the clients of a credential Secret when its resourceVersion changes', () => {
    const sut = new RegistryAccessService();
    const old = sut.clientFor('registry.example/a/driver:1', {}, { config: CONFIG, secret: SECRET });
    const anonymous = sut.clientFor('registry.example/a/driver:1', {}, {});
    const renewed = {
      config: dockerConfig({ 'registry.example': ['robot', 'pw2'] }),
      secret: { ...SECRET, resourceVersion: '11' },
    };
    const fresh = sut.clientFor('registry.example/a/driver:1', {}, renewed);
    expect(fresh).not.toBe(old);
    expect(sut.size).toBe(2);
    expect(sut.clientFor('registry.example/a/driver:1', {}, {})).toBe(anonymous);
    expect(sut.clientFor('registry.example/a/driver:1', {}, renewed)).toBe(fresh);
  });

  it(`keeps at most ${MAX_REGISTRY_CLIENTS} clients, dropping the least recently used`, () => {
    const sut = new RegistryAccessService();
    const first = sut.clientFor('r0.example/x:1', {});
    const second = sut.clientFor('r1.example/x:1', {});
    for (let i = 2; i < MAX_REGISTRY_CLIENTS; i++) sut.clientFor(`r${i}.example/x:1`, {});
    expect(sut.clientFor('r0.example/x:1', {})).toBe(first);
    sut.clientFor('one-more.example/x:1', {});
    expect(sut.size).toBe(MAX_REGISTRY_CLIENTS);
    expect(sut.clientFor('r0.example/x:1', {})).toBe(first);
    expect(sut.clientFor('r1.example/x:1', {})).not.toBe(second);
  });
});
