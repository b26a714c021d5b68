import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProcessGroup, pushImage, waitUntil, type RegistryInfo } from '@kmm-hub/test-env';
import { RegistryCredentials } from './docker-config.js';
import { sha256Digest } from '@kmm-hub/image-reference';
import { appendLayer, readImageFiles } from './image-layers.js';
import { type LayerFile, buildLayer } from './layer-tar.js';
import { MEDIA_TYPE } from './media-types.js';
import { CLIENT_ERROR_CODE, RegistryError } from './registry-error.js';
import { RegistryClient } from './registry.client.js';

const env = inject('env');
/** Every repository this file writes lives under this prefix. */
const PREFIX = `oci-int/${randomBytes(4).toString('hex')}`;
let seq = 0;
const newRepo = (name: string): string => `${PREFIX}/${name}-${++seq}`;

function clientFor(registry: RegistryInfo, overrides: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) {
  const credentials =
    registry.username !== undefined ? new RegistryCredentials(registry.username, registry.password ?? '') : undefined;
  return new RegistryClient({
    registry: registry.host,
    insecure: true,
    timeoutMs: 10_000,
    ...(credentials ? { credentials } : {}),
    ...overrides,
  });
}

const HELLO: LayerFile = { path: '/lib/modules/hello.txt', content: Buffer.from('hello from kmm\n') };

describe(RegistryClient.name, () => {
  describe('on the anonymous registry', () => {
    const sut = clientFor(env.registry);

    it('pings the v2 API', async () => {
      await expect(sut.ping()).resolves.toEqual({ apiVersion: 'registry/2.0' });
    });

    it('resolves the tag of a pushed OCI manifest to the sha256 of its bytes', async () => {
      const repo = newRepo('oci');
      const pushed = await pushImage(sut, repo, 'v1', [HELLO]);
      expect(pushed.digest).toBe(sha256Digest(pushed.bytes));
      await expect(sut.resolveDigest(pushed.ref)).resolves.toEqual({
        digest: sha256Digest(pushed.bytes),
        mediaType: MEDIA_TYPE.OCI_MANIFEST,
        size: pushed.bytes.byteLength,
      });
      await expect(sut.resolveDigest(`${sut.registry}/${repo}@${pushed.digest}`)).resolves.toMatchObject({
        digest: pushed.digest,
      });
    });

    it('gets back the exact manifest bytes, parsed', async () => {
      const pushed = await pushImage(sut, newRepo('get'), 'v1', [HELLO]);
      const got = await sut.getManifest(pushed.ref);
      expect(got.bytes.equals(pushed.bytes)).toBe(true);
      expect(got.digest).toBe(pushed.digest);
      expect(got.parsed.kind).toBe('manifest');
    });

    it('speaks plain HTTP to a loopback registry without the insecure flag, as go-containerregistry does', async () => {
      const plain = clientFor(env.registry, { insecure: false });
      const pushed = await pushImage(plain, newRepo('loopback'), 'v1', [HELLO]);
      await expect(plain.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: pushed.digest });
      expect(plain.schemes).toEqual(['https', 'http']);
    });

    it('pushes and resolves a Docker v2 schema 2 manifest', async () => {
      const pushed = await pushImage(sut, newRepo('docker'), 'v1', [HELLO], { format: 'docker' });
      await expect(sut.resolveDigest(pushed.ref)).resolves.toEqual({
        digest: sha256Digest(pushed.bytes),
        mediaType: MEDIA_TYPE.DOCKER_MANIFEST,
        size: pushed.bytes.byteLength,
      });
    });

    it.each([
      ['OCI index', MEDIA_TYPE.OCI_INDEX, 'oci' as const],
      ['Docker manifest list', MEDIA_TYPE.DOCKER_MANIFEST_LIST, 'docker' as const],
    ])('resolves a %s, and its entry for a platform', async (_name, indexType, format) => {
      const repo = newRepo('multi');
      const amd64 = await pushImage(sut, repo, 'amd64', [HELLO], { format, architecture: 'amd64' });
      const arm64 = await pushImage(sut, repo, 'arm64', [HELLO], { format, architecture: 'arm64' });
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: indexType,
          manifests: [
            { ...amd64.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
            { ...arm64.descriptor, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          ],
        }),
      );
      const ref = `${sut.registry}/${repo}:multi`;
      const digest = await sut.pushManifest(ref, index, indexType);

      await expect(sut.resolveDigest(ref)).resolves.toEqual({ digest, mediaType: indexType, size: index.byteLength });
      await expect(sut.resolveDigest(ref, { platform: 'linux/arm64' })).resolves.toEqual(arm64.descriptor);
      await expect(sut.resolveDigest(ref, { platform: 'linux/amd64' })).resolves.toEqual(amd64.descriptor);
      await expect(sut.resolveDigest(ref, { platform: 'linux/s390x' })).rejects.toMatchObject({
        code: CLIENT_ERROR_CODE.PLATFORM_NOT_FOUND,
        transient: false,
      });
      const got = await sut.getManifest(ref);
      expect(got.parsed.kind).toBe('index');
    });

    it('resolves an unknown tag or repository to null', async () => {
      const repo = newRepo('unknown');
      await pushImage(sut, repo, 'v1', [HELLO]);
      await expect(sut.resolveDigest(`${sut.registry}/${repo}:nope`)).resolves.toBeNull();
      await expect(sut.resolveDigest(`${sut.registry}/${PREFIX}/never-pushed:v1`)).resolves.toBeNull();
      await expect(sut.resolveDigest(`${sut.registry}/${repo}@sha256:${'0'.repeat(64)}`)).resolves.toBeNull();
      await expect(sut.getManifest(`${sut.registry}/${repo}:nope`)).rejects.toMatchObject({
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
    });

    it('uploads a blob once and reads it back whole or streamed', async () => {
      const repo = newRepo('blob');
      const bytes = randomBytes(300_000);
      const digest = sha256Digest(bytes);
      await expect(sut.hasBlob(repo, digest)).resolves.toBe(false);
      await expect(sut.pushBlob(repo, bytes)).resolves.toEqual({ digest, size: bytes.byteLength });
      await expect(sut.hasBlob(repo, digest)).resolves.toBe(true);
      await expect(sut.pushBlob(repo, bytes)).resolves.toEqual({ digest, size: bytes.byteLength });
      expect((await sut.getBlob(repo, digest)).equals(bytes)).toBe(true);
      const streamed = Buffer.from(
        await (await sut.getBlobStream(repo, digest)).toArray().then((c) => Buffer.concat(c)),
      );
      expect(streamed.equals(bytes)).toBe(true);
    });

    it('fails a missing blob with the registry code', async () => {
      const missing = sha256Digest(randomBytes(8));
      await expect(sut.getBlob(newRepo('noblob'), missing)).rejects.toMatchObject({ status: 404, transient: false });
      await expect(sut.getBlobStream(newRepo('noblob'), missing)).rejects.toMatchObject({ status: 404 });
    });

    it('mounts a blob from another repository of the registry', async () => {
      const from = newRepo('mount-src');
      const to = newRepo('mount-dst');
      const { digest } = await sut.pushBlob(from, randomBytes(1000));
      await expect(sut.mountBlob(to, digest, from)).resolves.toBe(true);
      await expect(sut.hasBlob(to, digest)).resolves.toBe(true);
    });

    it('refuses to push a manifest under a digest it does not hash to', async () => {
      const bytes = Buffer.from('{"schemaVersion":2}');
      await expect(
        sut.pushManifest(`${sut.registry}/${newRepo('pin')}@sha256:${'1'.repeat(64)}`, bytes, MEDIA_TYPE.OCI_MANIFEST),
      ).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.DIGEST_MISMATCH });
    });

    it('passes the registry error code of a rejected manifest', async () => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE.OCI_MANIFEST,
          config: { mediaType: MEDIA_TYPE.OCI_CONFIG, digest: sha256Digest(randomBytes(4)), size: 4 },
          layers: [],
        }),
      );
      const error = await sut
        .pushManifest(`${sut.registry}/${newRepo('bad')}:v1`, bytes, MEDIA_TYPE.OCI_MANIFEST)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect(error).toMatchObject({ status: 400, code: 'MANIFEST_BLOB_UNKNOWN', transient: false });
    });

    it('lists tags, and none for an unknown repository', async () => {
      const repo = newRepo('tags');
      const first = await pushImage(sut, repo, 'v1', [HELLO]);
      await sut.pushManifest(`${sut.registry}/${repo}:v2`, first.bytes, MEDIA_TYPE.OCI_MANIFEST);
      await expect(sut.listTags(repo).then((t) => t.toSorted())).resolves.toEqual(['v1', 'v2']);
      await expect(sut.listTags(`${PREFIX}/never-pushed`)).resolves.toEqual([]);
    });

    it('refuses images of another registry', async () => {
      await expect(sut.resolveDigest('quay.io/kmm/x:v1')).rejects.toThrow(`is not on registry ${env.registry.host}`);
    });
  });

  describe('on the htpasswd registry', () => {
    const sut = clientFor(env.authRegistry);

    it('pushes and resolves with Basic credentials', async () => {
      await expect(sut.ping()).resolves.toEqual({ apiVersion: 'registry/2.0' });
      const pushed = await pushImage(sut, newRepo('basic'), 'v1', [HELLO]);
      await expect(sut.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: sha256Digest(pushed.bytes) });
    });

    it('fails with a non-transient 401 for a wrong password', async () => {
      const wrong = clientFor({ ...env.authRegistry, password: 'wrong' });
      const error = await wrong
        .resolveDigest(`${env.authRegistry.host}/${newRepo('basic')}:v1`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      // A HEAD answer has no body, hence no registry code; a GET carries it.
      expect(error).toMatchObject({ status: 401, transient: false });
      await expect(wrong.ping()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED', transient: false });
    });

    it('fails with 401 without credentials', async () => {
      const anonymous = clientFor({ url: env.authRegistry.url, host: env.authRegistry.host });
      await expect(anonymous.ping()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    });

    it('never shows the password when the client or its error is serialised', async () => {
      const wrong = clientFor({ ...env.authRegistry, password: 'do-not-print-me' });
      const error = await wrong.ping().catch((e: unknown) => e);
      expect(JSON.stringify(wrong)).not.toContain('do-not-print-me');
      expect(String(error)).not.toContain('do-not-print-me');
      expect(JSON.stringify(error)).not.toContain('do-not-print-me');
    });
  });

  describe('on network failures', () => {
    it('reports a refused connection as a transient network error', async () => {
      const port = await closedPort();
      const sut = new RegistryClient({ registry: `127.0.0.1:${port}`, insecure: true, timeoutMs: 5_000 });
      await expect(sut.ping()).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.NETWORK, transient: true });
    });

    it('reports a registry that does not answer as a transient timeout', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      try {
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        const sut = new RegistryClient({ registry: `127.0.0.1:${port}`, insecure: true, timeoutMs: 300 });
        await expect(sut.ping()).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.TIMEOUT, transient: true });
      } finally {
        silent.close();
        silent.unref();
      }
    });
  });
});

describe('appendLayer', () => {
  const sut = clientFor(env.registry);

  it('pushes the base plus one layer to another repository and the files read back from it', async () => {
    const base = newRepo('base');
    const lower = await buildLayer([
      { path: '/opt/lib/modules/6.1.0-56-amd64/hello.ko', content: Buffer.from('unsigned module') },
      { path: '/etc/os-release', content: Buffer.from('ID=test\n') },
    ]);
    const source = await pushImage(sut, base, 'v1', [HELLO], { lowerLayers: [lower] });
    const targetRepo = newRepo('signed');
    const target = `${sut.registry}/${targetRepo}:v1`;

    const result = await appendLayer(sut, {
      source: { image: source.ref },
      target,
      files: [{ path: '/opt/lib/modules/6.1.0-56-amd64/hello.ko', content: Buffer.from('signed module'), mode: 0o644 }],
      createdBy: 'kmm-hub sign',
    });

    expect(result.digest).toBe(sha256Digest(result.image.manifestBytes));
    await expect(sut.resolveDigest(target)).resolves.toMatchObject({
      digest: result.digest,
      mediaType: MEDIA_TYPE.OCI_MANIFEST,
    });
    const pushed = await sut.getManifest(result.pinned);
    expect(pushed.parsed.kind === 'manifest' && pushed.parsed.manifest.layers).toHaveLength(3);
    const config = JSON.parse((await sut.getBlob(targetRepo, result.image.configDescriptor.digest)).toString('utf8'));
    expect(config.rootfs.diff_ids).toHaveLength(3);
    expect(config.history.at(-1)).toEqual({ created_by: 'kmm-hub sign' });

    const files = await readImageFiles(sut, { image: target }, [
      '/opt/lib/modules/*/*.ko',
      '/lib/**',
      '/etc/os-release',
    ]);
    expect(files.digest).toBe(result.digest);
    expect(files.entries.map((e) => [e.path, e.content?.toString()])).toEqual([
      ['/etc/os-release', 'ID=test\n'],
      ['/lib/modules/hello.txt', 'hello from kmm\n'],
      ['/opt/lib/modules/6.1.0-56-amd64/hello.ko', 'signed module'],
    ]);
    const original = await readImageFiles(sut, { image: source.ref }, ['/opt/**']);
    expect(original.entries.map((e) => e.content?.toString())).toEqual(['unsigned module']);
  });

  it('appends in place to the same repository, selecting a platform of an index', async () => {
    const repo = newRepo('inplace');
    const amd64 = await pushImage(sut, repo, 'amd64', [HELLO]);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.OCI_INDEX,
        manifests: [{ ...amd64.descriptor, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    const ref = `${sut.registry}/${repo}:v1`;
    await sut.pushManifest(ref, index, MEDIA_TYPE.OCI_INDEX);

    await expect(appendLayer(sut, { source: { image: ref }, target: ref, files: [HELLO] })).rejects.toThrow(
      'select a platform',
    );
    const result = await appendLayer(sut, {
      source: { image: ref, platform: 'linux/amd64' },
      target: `${ref}-signed`,
      files: [{ path: '/lib/modules/extra.txt', content: Buffer.from('extra') }],
    });
    expect(result.image.manifest.annotations).toEqual({
      'org.opencontainers.image.base.name': `${sut.registry}/${repo}:v1`,
      'org.opencontainers.image.base.digest': amd64.digest,
    });
    const files = await readImageFiles(sut, { image: `${ref}-signed` }, ['/lib/modules/*']);
    expect(files.entries.map((e) => e.path)).toEqual(['/lib/modules/extra.txt', '/lib/modules/hello.txt']);
  });

  it('streams a layer as text through the verifying blob stream', async () => {
    const repo = newRepo('stream');
    const pushed = await sut.pushBlob(repo, Buffer.from('plain text blob'));
    await expect(text(await sut.getBlobStream(repo, pushed.digest))).resolves.toBe('plain text blob');
  });
});

describe('insecureSkipTLSVerify', () => {
  let registry: OwnRegistry;

  beforeAll(async () => {
    registry = await startOwnRegistry(
      'registry-tls',
      async (dir) => {
        // A self-signed certificate that no client trusts.
        openssl(dir, [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          'tls.key',
          '-out',
          'tls.crt',
          '-days',
          '1',
          '-subj',
          '/CN=untrusted-registry',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ]);
        return { tls: { certificate: join(dir, 'tls.crt'), key: join(dir, 'tls.key') } };
      },
      (host) =>
        new RegistryClient({ registry: host, insecureSkipTLSVerify: true, timeoutMs: 1_000 }).ping().then(() => true),
    );
  });

  afterAll(() => registry?.stop());

  it('fails on an untrusted certificate unless verification is skipped', async () => {
    const verifying = new RegistryClient({ registry: registry.host, timeoutMs: 5_000 });
    await expect(verifying.ping()).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.NETWORK, transient: true });

    const sut = new RegistryClient({ registry: registry.host, insecureSkipTLSVerify: true, timeoutMs: 5_000 });
    const pushed = await pushImage(sut, newRepo('tls'), 'v1', [HELLO]);
    await expect(sut.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: pushed.digest });
    const files = await readImageFiles(sut, { image: pushed.ref }, ['/lib/**']);
    expect(files.entries.map((e) => e.content?.toString())).toEqual(['hello from kmm\n']);
  });
});

describe('Bearer token auth', () => {
  const USER = { username: 'kmm', password: 'token-pass' };
  let registry: OwnRegistry;
  let tokens: TokenServer;

  beforeAll(async () => {
    registry = await startOwnRegistry(
      'registry-token',
      async (dir) => {
        openssl(dir, [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          'token.key',
          '-out',
          'token.crt',
          '-days',
          '1',
          '-subj',
          '/CN=kmm-token-issuer',
        ]);
        tokens = await startTokenServer(
          readFileSync(join(dir, 'token.key'), 'utf8'),
          readFileSync(join(dir, 'token.crt'), 'utf8'),
          USER,
        );
        const token = {
          realm: `${tokens.url}/token`,
          service: 'kmm-registry',
          issuer: 'kmm-token-issuer',
          rootcertbundle: join(dir, 'token.crt'),
        };
        return { auth: { token } };
      },
      async (host) => (await fetch(`http://${host}/v2/`)).status === 401,
    );
  });

  afterAll(async () => {
    await tokens?.close();
    await registry?.stop();
  });

  function tokenClient(password: string, now: () => number = Date.now): RegistryClient {
    return new RegistryClient({
      registry: registry.host,
      insecure: true,
      timeoutMs: 5_000,
      credentials: new RegistryCredentials(USER.username, password),
      now,
    });
  }

  it('pushes and resolves with tokens from the realm, one token request per scope', async () => {
    const sut = tokenClient(USER.password);
    const repo = newRepo('bearer');
    const before = tokens.requests.length;
    await sut.ping();
    const pushed = await pushImage(sut, repo, 'v1', [HELLO]);
    await expect(sut.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: pushed.digest });
    await expect(sut.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: pushed.digest });

    const scopes = tokens.requests.slice(before).map((r) => r.searchParams.getAll('scope').join(' '));
    expect(scopes.toSorted()).toEqual(['', `repository:${repo}:pull`, `repository:${repo}:pull,push`]);
    expect(tokens.requests.slice(before).every((r) => r.searchParams.get('service') === 'kmm-registry')).toBe(true);
  });

  it('asks for a new token once the cached one has expired', async () => {
    let now = Date.now();
    const sut = tokenClient(USER.password, () => now);
    const pushed = await pushImage(sut, newRepo('expiry'), 'v1', [HELLO]);
    const before = tokens.requests.length;
    await sut.resolveDigest(pushed.ref);
    expect(tokens.requests.length).toBe(before);
    now += 300_000; // the token server grants 300 s
    await expect(sut.resolveDigest(pushed.ref)).resolves.toMatchObject({ digest: pushed.digest });
    expect(tokens.requests.length).toBe(before + 1);
  });

  it('fails with a non-transient token error when the token server refuses the credentials', async () => {
    const sut = tokenClient('wrong');
    await expect(sut.resolveDigest(`${registry.host}/${newRepo('denied')}:v1`)).rejects.toMatchObject({
      status: 401,
      code: CLIENT_ERROR_CODE.TOKEN_REQUEST_FAILED,
      transient: false,
    });
  });
});

describe('content verification', () => {
  let registry: OwnRegistry;

  beforeAll(async () => {
    registry = await startOwnRegistry(
      'registry-corrupt',
      async () => ({}),
      async (host) => {
        return (await fetch(`http://${host}/v2/`)).status === 200;
      },
    );
  });

  afterAll(() => registry?.stop());

  /**
   * Changes one byte of a stored blob, as disk corruption would: the last byte, or for a manifest the last hex
   * digit of its first digest, so that the registry can still parse it.
   */
  function corrupt(digest: string, as: 'bytes' | 'manifest'): void {
    const hex = digest.slice('sha256:'.length);
    const blobs = join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs');
    const path = join(blobs, 'sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(path);
    const at = as === 'bytes' ? bytes.length - 1 : bytes.indexOf('sha256:') + 'sha256:'.length + 63;
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30; // '0' <-> '1', any other byte -> '0'
    writeFileSync(path, bytes);
  }

  it('fails blobs and manifests whose served bytes do not match their digest', async () => {
    const sut = new RegistryClient({ registry: registry.host, insecure: true, timeoutMs: 5_000 });
    const repo = newRepo('corrupt');
    const pushed = await pushImage(sut, repo, 'v1', [HELLO]);
    const blob = await sut.pushBlob(repo, Buffer.from('some blob content'));
    corrupt(blob.digest, 'bytes');
    corrupt(pushed.digest, 'manifest');

    await expect(sut.getBlob(repo, blob.digest)).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.DIGEST_MISMATCH });
    const stream = await sut.getBlobStream(repo, blob.digest);
    await expect(stream.toArray()).rejects.toMatchObject({ code: CLIENT_ERROR_CODE.DIGEST_MISMATCH });
    await expect(sut.getManifest(`${registry.host}/${repo}@${pushed.digest}`)).rejects.toMatchObject({
      code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
      transient: false,
    });
  });
});

interface OwnRegistry {
  host: string;
  /** Holds `data/`, the registry's storage. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * One more real docker-registry for what the shared environment does not run (TLS, token auth), on a loopback
 * port, stopped by its PID through the environment's ProcessGroup.
 */
async function startOwnRegistry(
  name: string,
  prepare: (dir: string) => Promise<{ tls?: { certificate: string; key: string }; auth?: unknown }>,
  ready: (host: string) => Promise<boolean>,
): Promise<OwnRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `kmm-oci-${name}-`));
  mkdirSync(join(dir, 'data'));
  const host = `127.0.0.1:${await closedPort()}`;
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { tls, auth } = prepared;
  const config = {
    version: 0.1,
    log: { level: 'warn' },
    storage: { filesystem: { rootdirectory: join(dir, 'data') } },
    http: { addr: host, secret: randomBytes(8).toString('hex'), ...(tls ? { tls } : {}) },
    ...(auth ? { auth } : {}),
  };
  // JSON is YAML.
  writeFileSync(join(dir, 'config.yml'), JSON.stringify(config));
  const group = new ProcessGroup(dir);
  const proc = group.start(name, 'docker-registry', ['serve', join(dir, 'config.yml')]);
  const stop = async (): Promise<void> => {
    await group.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(name, () => ready(host), { logPath: proc.logPath, exited: proc.exited, timeoutMs: 20_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, dir, stop };
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

interface TokenServer {
  url: string;
  requests: URL[];
  close(): Promise<void>;
}

/**
 * A Docker registry v2 token server (https://distribution.github.io/distribution/spec/auth/jwt/): Basic auth in, an
 * RS256 JWT with the certificate in `x5c` and the requested `access` out. The registry verifies the JWT against the
 * certificate.
 */
async function startTokenServer(
  keyPem: string,
  certPem: string,
  user: { username: string; password: string },
): Promise<TokenServer> {
  const requests: URL[] = [];
  const x5c = [new X509Certificate(certPem).raw.toString('base64')];
  const expectedAuth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    requests.push(url);
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    if (req.headers.authorization !== expectedAuth) return void res.writeHead(401).end();
    const access = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter((s) => s.length > 0)
      .map((scope) => {
        const parts = scope.split(':');
        return { type: parts[0], name: parts.slice(1, -1).join(':'), actions: (parts.at(-1) ?? '').split(',') };
      });
    const now = Math.floor(Date.now() / 1000);
    const input = `${encode({ typ: 'JWT', alg: 'RS256', x5c })}.${encode({
      iss: 'kmm-token-issuer',
      sub: user.username,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), keyPem).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('token server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A loopback port with nothing listening (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
