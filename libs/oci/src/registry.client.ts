// The one registry client of the project: the distribution (OCI) HTTP API over fetch, with anonymous, Basic and
// Bearer-token auth negotiated from the registry's challenges. One instance talks to one registry.

import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { RegistryCredentials } from './docker-config.js';
import { digestLike, isDigest, sha256Digest } from './digest.js';
import {
  type ImageReference,
  formatImageReference,
  manifestReference,
  normalizeRegistry,
  parseImageReference,
  registryApiHost,
} from './image-reference.js';
import { type ParsedManifest, parseManifest } from './manifest.js';
import { MANIFEST_ACCEPT, isIndexMediaType } from './media-types.js';
import { type PlatformSpec, formatPlatform, parsePlatform, selectPlatformManifest } from './platform.js';
import { CLIENT_ERROR_CODE, RegistryError, parseRegistryErrorBody } from './registry-error.js';
import { type RegistryScheme, type RegistrySchemes, registrySchemes } from './registry-scheme.js';
import { type Transport, createTransport } from './registry-transport.js';
import { findBearerChallenge, parseWwwAuthenticate } from './www-authenticate.js';

export interface RegistryClientOptions {
  /** Registry as written in image references: `127.0.0.1:5000`, `quay.io`, `docker.io`. */
  registry: string;
  credentials?: RegistryCredentials;
  /**
   * Allow plain HTTP when HTTPS does not answer (go-containerregistry's insecure option). Loopback, `localhost:<port>`
   * and RFC 1918 registries allow it without this flag, as in go-containerregistry (see registry-scheme.ts).
   */
  insecure?: boolean;
  /** Accept any TLS certificate. */
  insecureSkipTLSVerify?: boolean;
  /** Limit for one exchange (for blob streams: until the response headers). Default 30 s. */
  timeoutMs?: number;
  /** Clock for token expiry, in epoch milliseconds. */
  now?: () => number;
}

/** What a manifest reference resolves to. */
export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestDescriptor {
  bytes: Buffer;
  parsed: ParsedManifest;
}

export interface ResolveOptions {
  /** When the reference names a manifest list or index, resolve the entry for this platform (`linux/amd64`). */
  platform?: string | PlatformSpec;
}

export interface BlobDescriptor {
  digest: string;
  size: number;
}

type Scope = string[];

interface ExchangeRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the registry base URL, or an absolute URL (upload locations, pagination links). */
  target: string;
  scope: Scope;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

interface RegistryResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const TOKEN_EXPIRY_MARGIN_S = 10;
const UNKNOWN_MANIFEST_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
/** go-containerregistry's `fallbackDelay` (pkg/v1/remote/transport/ping.go): when http joins the race. */
const HTTP_FALLBACK_DELAY_MS = 300;

export class RegistryClient {
  /** Registry as written in references, with Docker Hub aliases folded into `docker.io`. */
  readonly registry: string;
  /** Schemes to try, in order; with two, the first exchange settles which one is used (see #origin). */
  readonly schemes: RegistrySchemes;
  readonly #host: string;
  #settledOrigin: Promise<string> | undefined;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #transport: Transport;
  #scheme: 'none' | 'basic' | 'bearer' = 'none';
  #bearer: { realm: string; service?: string } | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pendingTokens = new Map<string, Promise<string>>();

  constructor(options: RegistryClientOptions) {
    this.registry = normalizeRegistry(options.registry);
    this.#host = registryApiHost(this.registry);
    this.schemes = registrySchemes(this.registry, options.insecure ?? false);
    this.#credentials = options.credentials;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#transport = createTransport({ insecureSkipTLSVerify: options.insecureSkipTLSVerify ?? false });
  }

  /** Checks that the registry speaks the v2 API and that the credentials (if any) are accepted. */
  async ping(): Promise<{ apiVersion: string | undefined }> {
    const res = await this.#exchange('ping', { method: 'GET', target: '/v2/', scope: [] });
    if (res.status !== 200) throw this.#errorFrom('ping', res);
    return { apiVersion: res.headers.get('docker-distribution-api-version') ?? undefined };
  }

  /**
   * Digest, media type and size of the manifest a reference names, or null when the registry does not know the
   * repository or the tag. Uses HEAD and falls back to GET when HEAD gives no Docker-Content-Digest. With a
   * platform, a manifest list or index resolves to the entry for that platform.
   */
  async resolveDigest(ref: ImageReference | string, options: ResolveOptions = {}): Promise<ManifestDescriptor | null> {
    const image = this.#image(ref);
    const operation = `HEAD manifest ${describe(image)}`;
    const res = await this.#exchange(operation, {
      method: 'HEAD',
      target: manifestPath(image),
      scope: pullScope(image.repository),
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return this.#resolveByGet(image, options);
    if (res.status !== 200) throw this.#errorFrom(operation, res);
    const digest = res.headers.get('docker-content-digest') ?? '';
    const mediaType = contentType(res.headers);
    const size = Number(res.headers.get('content-length') ?? NaN);
    if (!isDigest(digest) || mediaType === undefined || !Number.isSafeInteger(size)) {
      return this.#resolveByGet(image, options);
    }
    if (image.digest !== undefined && digest !== image.digest) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        detail: `registry answered ${digest}`,
        transient: false,
      });
    }
    if (options.platform !== undefined && isIndexMediaType(mediaType)) {
      const index = await this.getManifest({ ...image, digest });
      return this.#selectPlatform(image, index, options.platform);
    }
    return { digest, mediaType, size };
  }

  /** Fetches a manifest or index and checks its bytes against the digest asked for or announced. */
  async getManifest(ref: ImageReference | string): Promise<FetchedManifest> {
    const image = this.#image(ref);
    const found = await this.#getManifest(image);
    if (found === null) {
      throw new RegistryError({
        registry: this.registry,
        operation: `GET manifest ${describe(image)}`,
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
    }
    return found;
  }

  /** A blob, read whole and checked against its digest. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const repo = this.#repository(repository);
    const operation = `GET blob ${repo}@${digest}`;
    assertDigest(this.registry, operation, digest);
    const res = await this.#exchange(operation, {
      method: 'GET',
      target: blobPath(repo, digest),
      scope: pullScope(repo),
    });
    if (res.status !== 200) throw this.#errorFrom(operation, res);
    if (digestLike(digest, res.body) !== digest) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        transient: false,
      });
    }
    return res.body;
  }

  /** A blob as a stream; the stream fails at its end if the bytes do not match the digest. */
  async getBlobStream(repository: string, digest: string): Promise<Readable> {
    const repo = this.#repository(repository);
    const operation = `GET blob ${repo}@${digest}`;
    assertDigest(this.registry, operation, digest);
    const res = await this.#openStream(operation, {
      method: 'GET',
      target: blobPath(repo, digest),
      scope: pullScope(repo),
    });
    if (res.status !== 200) {
      throw this.#errorFrom(operation, await readResponse(res, (error) => this.#networkError(operation, error)));
    }
    if (res.body === null) {
      throw new RegistryError({ registry: this.registry, operation, code: CLIENT_ERROR_CODE.BAD_RESPONSE });
    }
    const source = Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>);
    const verify = new DigestVerifier(
      digest,
      () =>
        new RegistryError({
          registry: this.registry,
          operation,
          code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
          transient: false,
        }),
    );
    source.on('error', (error) => verify.destroy(this.#networkError(operation, error)));
    // A consumer that stops reading early releases the connection.
    verify.on('close', () => source.destroy());
    return source.pipe(verify);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const repo = this.#repository(repository);
    const operation = `HEAD blob ${repo}@${digest}`;
    assertDigest(this.registry, operation, digest);
    const res = await this.#exchange(operation, {
      method: 'HEAD',
      target: blobPath(repo, digest),
      scope: pullScope(repo),
    });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.#errorFrom(operation, res);
  }

  /**
   * Uploads a blob unless the repository already has it: HEAD, then POST to start an upload and one monolithic
   * PUT to the returned location.
   */
  async pushBlob(repository: string, bytes: Uint8Array): Promise<BlobDescriptor> {
    const repo = this.#repository(repository);
    const digest = sha256Digest(bytes);
    const descriptor = { digest, size: bytes.byteLength };
    if (await this.hasBlob(repo, digest)) return descriptor;

    const operation = `push blob ${repo}@${digest}`;
    const scope = pushScope(repo);
    const started = await this.#exchange(operation, { method: 'POST', target: `/v2/${repo}/blobs/uploads/`, scope });
    if (started.status !== 202) throw this.#errorFrom(operation, started);
    const put = withDigestParam(this.#uploadLocation(operation, started), digest);
    const done = await this.#exchange(operation, {
      method: 'PUT',
      target: put,
      scope,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (done.status !== 201) throw this.#errorFrom(operation, done);
    const announced = done.headers.get('docker-content-digest');
    if (announced !== null && announced !== digest) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        detail: `registry stored ${announced}`,
        transient: false,
      });
    }
    return descriptor;
  }

  /**
   * Makes a blob of `fromRepository` (same registry) available in `repository` without sending its bytes. True
   * when the blob is there afterwards; false when the registry declined to mount (the caller then uploads it).
   */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const repo = this.#repository(repository);
    const from = this.#repository(fromRepository);
    const operation = `mount blob ${repo}@${digest} from ${from}`;
    assertDigest(this.registry, operation, digest);
    if (await this.hasBlob(repo, digest)) return true;
    const started = await this.#exchange(operation, {
      method: 'POST',
      target: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scope: [...pushScope(repo), `repository:${from}:pull`],
    });
    if (started.status === 201) return true;
    if (started.status !== 202) throw this.#errorFrom(operation, started);
    // The registry opened an upload instead; cancel it rather than leave it to expire.
    const cancelled = await this.#exchange(operation, {
      method: 'DELETE',
      target: this.#uploadLocation(operation, started),
      scope: pushScope(repo),
    });
    if (cancelled.status >= 500) throw this.#errorFrom(operation, cancelled);
    return false;
  }

  /**
   * Puts a manifest under the reference's tag (or digest) and returns its digest, the sha256 of `bytes`, after
   * checking that the registry's Docker-Content-Digest agrees.
   */
  async pushManifest(ref: ImageReference | string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const image = this.#image(ref);
    const operation = `PUT manifest ${describe(image)}`;
    const digest = sha256Digest(bytes);
    if (image.digest !== undefined && image.digest !== digest) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        detail: `manifest bytes hash to ${digest}`,
        transient: false,
      });
    }
    const reference = image.tag ?? image.digest ?? digest;
    const res = await this.#exchange(operation, {
      method: 'PUT',
      target: `/v2/${image.repository}/manifests/${reference}`,
      scope: pushScope(image.repository),
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201) throw this.#errorFrom(operation, res);
    const announced = res.headers.get('docker-content-digest');
    if (announced !== null && announced !== digest) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        detail: `registry computed ${announced}, bytes hash to ${digest}`,
        transient: false,
      });
    }
    return digest;
  }

  /** All tags of a repository, following `Link: <…>; rel="next"` pages; empty for an unknown repository. */
  async listTags(repository: string): Promise<string[]> {
    const repo = this.#repository(repository);
    const operation = `list tags ${repo}`;
    const tags: string[] = [];
    let target: string | undefined = `/v2/${repo}/tags/list`;
    while (target !== undefined) {
      const res = await this.#exchange(operation, { method: 'GET', target, scope: pullScope(repo) });
      if (res.status === 404 && parseRegistryErrorBody(res.body.toString('utf8'))?.code === 'NAME_UNKNOWN') return [];
      if (res.status !== 200) throw this.#errorFrom(operation, res);
      const body = parseJson(res.body);
      const raw = isRecord(body) ? body['tags'] : undefined;
      const page: unknown[] | undefined = Array.isArray(raw) ? raw : raw === null ? [] : undefined;
      if (page === undefined || page.some((t) => typeof t !== 'string')) {
        throw new RegistryError({ registry: this.registry, operation, code: CLIENT_ERROR_CODE.BAD_RESPONSE });
      }
      tags.push(...(page as string[]));
      const next = nextLink(res.headers.get('link'));
      target = next === undefined ? undefined : new URL(next, res.url).href;
    }
    return tags;
  }

  #uploadLocation(operation: string, started: RegistryResponse): string {
    const location = started.headers.get('location');
    if (location === null) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        status: started.status,
        code: CLIENT_ERROR_CODE.BAD_RESPONSE,
        detail: 'upload started without a Location header',
      });
    }
    return new URL(location, started.url).href;
  }

  async #resolveByGet(image: ImageReference, options: ResolveOptions): Promise<ManifestDescriptor | null> {
    const found = await this.#getManifest(image);
    if (found === null) return null;
    if (options.platform !== undefined && found.parsed.kind === 'index') {
      return this.#selectPlatform(image, found, options.platform);
    }
    return { digest: found.digest, mediaType: found.mediaType, size: found.size };
  }

  #selectPlatform(image: ImageReference, index: FetchedManifest, platform: string | PlatformSpec): ManifestDescriptor {
    const wanted = typeof platform === 'string' ? parsePlatform(platform) : platform;
    const entry = index.parsed.kind === 'index' ? selectPlatformManifest(index.parsed.index, wanted) : undefined;
    if (entry === undefined) {
      throw new RegistryError({
        registry: this.registry,
        operation: `resolve ${describe(image)}`,
        code: CLIENT_ERROR_CODE.PLATFORM_NOT_FOUND,
        detail: `no manifest for ${formatPlatform(wanted)} in ${index.digest}`,
        transient: false,
      });
    }
    return { digest: entry.digest, mediaType: entry.mediaType, size: entry.size };
  }

  async #getManifest(image: ImageReference): Promise<FetchedManifest | null> {
    const operation = `GET manifest ${describe(image)}`;
    const res = await this.#exchange(operation, {
      method: 'GET',
      target: manifestPath(image),
      scope: pullScope(image.repository),
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) {
      const code = parseRegistryErrorBody(res.body.toString('utf8'))?.code;
      if (code === undefined || UNKNOWN_MANIFEST_CODES.has(code)) return null;
    }
    if (res.status !== 200) throw this.#errorFrom(operation, res);
    const expected = image.digest ?? res.headers.get('docker-content-digest') ?? undefined;
    const digest =
      expected !== undefined && isDigest(expected) ? digestLike(expected, res.body) : sha256Digest(res.body);
    if (expected !== undefined && isDigest(expected) && digest !== expected) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.DIGEST_MISMATCH,
        detail: `content hashes to ${digest}, expected ${expected}`,
        transient: false,
      });
    }
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(res.body, contentType(res.headers));
    } catch (cause) {
      throw new RegistryError({
        registry: this.registry,
        operation,
        code: CLIENT_ERROR_CODE.BAD_RESPONSE,
        detail: cause instanceof Error ? cause.message : undefined,
        transient: false,
        cause,
      });
    }
    return { digest, mediaType: parsed.mediaType, size: res.body.byteLength, bytes: res.body, parsed };
  }

  /** One exchange, body read whole, under one timeout; negotiates auth and retries once on 401. */
  async #exchange(operation: string, request: ExchangeRequest): Promise<RegistryResponse> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#sendAuthenticated(operation, request, signal);
    return readResponse(res, (error) => this.#networkError(operation, error));
  }

  /** Like #exchange, but returns the response with its body unread; the timeout ends with the headers. */
  async #openStream(operation: string, request: ExchangeRequest): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), this.#timeoutMs);
    try {
      return await this.#sendAuthenticated(operation, request, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends with the auth learned so far; on 401 learns the challenge and retries once. */
  async #sendAuthenticated(operation: string, request: ExchangeRequest, signal: AbortSignal): Promise<Response> {
    const res = await this.#send(operation, request, signal);
    if (res.status !== 401 || !(await this.#authenticate(operation, request, res, signal))) return res;
    await discard(res);
    return this.#send(operation, request, signal);
  }

  async #send(operation: string, request: ExchangeRequest, signal: AbortSignal): Promise<Response> {
    const url = request.target.startsWith('/')
      ? new URL(request.target, await this.#origin(operation))
      : new URL(request.target);
    const headers: Record<string, string> = { 'user-agent': 'kmm-hub', ...request.headers };
    const authorization = await this.#authorization(operation, request.scope, signal);
    if (authorization !== undefined) headers['authorization'] = authorization;
    try {
      return await this.#transport(url, {
        method: request.method,
        headers,
        signal,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
    } catch (error) {
      throw this.#networkError(operation, error);
    }
  }

  /**
   * `https://host`, or for a registry that allows plain HTTP the origin go-containerregistry's `Ping` would pick:
   * GET /v2/ over https, over http too once https failed or 300 ms passed, and the first answer of 200 or 401 wins
   * (a redirect's final scheme counts). Learned once per client; a failed race is tried again next time.
   */
  #origin(operation: string): Promise<string> {
    if (this.schemes.length === 1) return Promise.resolve(`https://${this.#host}`);
    this.#settledOrigin ??= this.#pingSchemes(operation).catch((error: unknown) => {
      this.#settledOrigin = undefined;
      throw error;
    });
    return this.#settledOrigin;
  }

  #pingSchemes(operation: string): Promise<string> {
    const losers = new AbortController();
    const signal = AbortSignal.any([losers.signal, AbortSignal.timeout(this.#timeoutMs)]);
    const ping = async (scheme: RegistryScheme): Promise<string> => {
      const res = await this.#transport(new URL('/v2/', `${scheme}://${this.#host}`), {
        method: 'GET',
        headers: { 'user-agent': 'kmm-hub' },
        signal,
      });
      await discard(res);
      if (res.status !== 200 && res.status !== 401) throw new PingAnsweredError(scheme, res.status);
      const answered = res.url ? new URL(res.url).protocol.replace(/:$/, '') : scheme;
      return `${answered === 'http' ? 'http' : 'https'}://${this.#host}`;
    };
    return new Promise((resolve, reject) => {
      const failures: string[] = [];
      // When https met a server speaking plain HTTP ("wrong version number") and http got an answer (a 500, say), that
      // answer is the registry speaking and the error to report. Otherwise (an untrusted certificate, a refused
      // connection) http's answer is likely a TLS port refusing plain HTTP (400), so both failures are reported.
      let answered: PingAnsweredError | undefined;
      let httpsMetPlainHttp = false;
      let running = 0;
      let done = false;
      let fallback: NodeJS.Timeout | undefined;
      const start = (scheme: RegistryScheme) => {
        running++;
        ping(scheme).then(
          (origin) => {
            if (done) return;
            done = true;
            clearTimeout(fallback);
            losers.abort();
            resolve(origin);
          },
          (error: unknown) => {
            running--;
            if (done) return;
            const cause = describeCause(error) ?? String(error);
            if (error instanceof PingAnsweredError) answered ??= error;
            if (scheme === 'https' && /wrong version number/i.test(cause)) httpsMetPlainHttp = true;
            failures.push(`${scheme}: ${cause}`);
            if (scheme === 'https' && fallback !== undefined) {
              clearTimeout(fallback);
              fallback = undefined;
              start('http');
            } else if (running === 0) {
              done = true;
              reject(
                answered && (answered.scheme === 'https' || httpsMetPlainHttp)
                  ? new RegistryError({
                      registry: this.registry,
                      operation,
                      status: answered.status,
                      detail: `GET /v2/ over ${answered.scheme}`,
                      cause: answered,
                    })
                  : signal.aborted
                    ? this.#networkError(operation, error)
                    : new RegistryError({
                        registry: this.registry,
                        operation,
                        code: CLIENT_ERROR_CODE.NETWORK,
                        detail: `neither https nor http answered: ${failures.join('; ')}`,
                        transient: true,
                        cause: error,
                      }),
              );
            }
          },
        );
      };
      fallback = setTimeout(() => {
        fallback = undefined;
        start('http');
      }, HTTP_FALLBACK_DELAY_MS);
      start('https');
    });
  }

  /** The Authorization header for a scope; with Bearer auth, gets a token first when none is cached. */
  async #authorization(operation: string, scope: Scope, signal: AbortSignal): Promise<string | undefined> {
    if (this.#scheme === 'basic') return this.#credentials?.basicAuthorization();
    if (this.#scheme !== 'bearer') return undefined;
    const cached = this.#tokens.get(scopeKey(scope));
    if (cached !== undefined && cached.expiresAt > this.#now()) return `Bearer ${cached.token}`;
    if (scope.length === 0) return undefined;
    return `Bearer ${await this.#token(operation, scope, signal)}`;
  }

  /** Learns the auth scheme from a 401 and gets what the retry needs; false when a retry cannot help. */
  async #authenticate(
    operation: string,
    request: ExchangeRequest,
    res: Response,
    signal: AbortSignal,
  ): Promise<boolean> {
    const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
    const bearer = findBearerChallenge(challenges);
    if (bearer !== undefined) {
      this.#scheme = 'bearer';
      this.#bearer =
        bearer.service === undefined ? { realm: bearer.realm } : { realm: bearer.realm, service: bearer.service };
      // Ask for the scope the request needs; requests without one (ping) take the challenge's.
      const scope = request.scope.length > 0 ? request.scope : (bearer.scope?.split(' ') ?? []);
      // A cached token that was refused (revoked, or scoped too narrowly) is replaced once.
      this.#tokens.delete(scopeKey(request.scope));
      await this.#token(operation, scope, signal, request.scope);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const alreadySent = this.#scheme === 'basic';
      this.#scheme = 'basic';
      return this.#credentials !== undefined && !alreadySent;
    }
    return false;
  }

  /** Gets (one request at a time per scope) and caches a token for `scope`, stored under `cacheScope`. */
  #token(operation: string, scope: Scope, signal: AbortSignal, cacheScope: Scope = scope): Promise<string> {
    const key = scopeKey(cacheScope);
    const pending = this.#pendingTokens.get(key);
    if (pending !== undefined) return pending;
    const promise = this.#requestToken(operation, scope, signal)
      .then(({ token, expiresInS }) => {
        const now = this.#now();
        for (const [k, t] of this.#tokens) if (t.expiresAt <= now) this.#tokens.delete(k);
        this.#tokens.set(key, { token, expiresAt: now + Math.max(0, expiresInS - TOKEN_EXPIRY_MARGIN_S) * 1000 });
        return token;
      })
      .finally(() => this.#pendingTokens.delete(key));
    this.#pendingTokens.set(key, promise);
    return promise;
  }

  async #requestToken(
    operation: string,
    scope: Scope,
    signal: AbortSignal,
  ): Promise<{ token: string; expiresInS: number }> {
    const challenge = this.#bearer;
    const fail = (detail: string, status?: number, cause?: unknown): RegistryError =>
      new RegistryError({
        registry: this.registry,
        operation: `${operation}: token`,
        code: CLIENT_ERROR_CODE.TOKEN_REQUEST_FAILED,
        detail,
        ...(status !== undefined ? { status } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
    let url: URL;
    try {
      url = new URL(challenge?.realm ?? '');
    } catch (cause) {
      throw fail('the Bearer realm is not a URL', undefined, cause);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('the Bearer realm is not an http(s) URL');
    if (challenge?.service !== undefined) url.searchParams.set('service', challenge.service);
    for (const s of scope) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': 'kmm-hub', accept: 'application/json' };
    if (this.#credentials !== undefined) headers['authorization'] = this.#credentials.basicAuthorization();

    let res: Response;
    try {
      res = await this.#transport(url, { method: 'GET', headers, signal });
    } catch (error) {
      throw this.#networkError(`${operation}: token`, error);
    }
    const body = await readResponse(res, (error) => this.#networkError(`${operation}: token`, error));
    if (res.status !== 200) throw fail('token server refused the request', res.status);
    const parsed = parseJson(body.body);
    const token = isRecord(parsed) ? (parsed['token'] ?? parsed['access_token']) : undefined;
    if (typeof token !== 'string' || token.length === 0) throw fail('token response has no token');
    const expiresIn = isRecord(parsed) ? parsed['expires_in'] : undefined;
    return {
      token,
      expiresInS: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S,
    };
  }

  #errorFrom(operation: string, res: RegistryResponse): RegistryError {
    const body = parseRegistryErrorBody(res.body.toString('utf8'));
    return new RegistryError({
      registry: this.registry,
      operation,
      status: res.status,
      ...(body !== undefined ? { code: body.code } : {}),
      ...(body?.message !== undefined ? { detail: body.message } : {}),
    });
  }

  #networkError(operation: string, error: unknown): RegistryError {
    if (error instanceof RegistryError) return error;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return new RegistryError({
      registry: this.registry,
      operation,
      code: timedOut ? CLIENT_ERROR_CODE.TIMEOUT : CLIENT_ERROR_CODE.NETWORK,
      detail: timedOut ? `no answer within ${this.#timeoutMs} ms` : describeCause(error),
      transient: true,
      cause: error,
    });
  }

  #image(ref: ImageReference | string): ImageReference {
    const image = typeof ref === 'string' ? parseImageReference(ref) : ref;
    if (normalizeRegistry(image.registry) !== this.registry) {
      throw new Error(`image ${formatImageReference(image)} is not on registry ${this.registry}`);
    }
    return image;
  }

  #repository(repository: string): string {
    const parsed = parseImageReference(`${this.registry}/${repository}`);
    if (parsed.tag !== undefined || parsed.digest !== undefined || parsed.registry !== this.registry) {
      throw new Error(`"${repository}" is not a repository name`);
    }
    return parsed.repository;
  }
}

/** Hashes what passes through and fails at the end when the digest differs. */
class DigestVerifier extends Transform {
  readonly #hash;

  constructor(
    readonly expected: string,
    readonly mismatch: () => Error,
  ) {
    super();
    this.#hash = createHash(expected.startsWith('sha512:') ? 'sha512' : 'sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const algorithm = this.expected.slice(0, this.expected.indexOf(':'));
    callback(`${algorithm}:${this.#hash.digest('hex')}` === this.expected ? null : this.mismatch());
  }
}

function manifestPath(image: ImageReference): string {
  return `/v2/${image.repository}/manifests/${manifestReference(image)}`;
}

function blobPath(repository: string, digest: string): string {
  return `/v2/${repository}/blobs/${digest}`;
}

function pullScope(repository: string): Scope {
  return [`repository:${repository}:pull`];
}

function pushScope(repository: string): Scope {
  return [`repository:${repository}:pull,push`];
}

function scopeKey(scope: Scope): string {
  return scope.join(' ');
}

function describe(image: ImageReference): string {
  return `${image.repository}${image.tag !== undefined ? `:${image.tag}` : ''}${image.digest !== undefined ? `@${image.digest}` : ''}`;
}

function contentType(headers: Headers): string | undefined {
  const value = headers.get('content-type')?.split(';')[0]?.trim();
  return value === undefined || value.length === 0 ? undefined : value;
}

function assertDigest(registry: string, operation: string, digest: string): void {
  if (!isDigest(digest)) {
    throw new RegistryError({
      registry,
      operation,
      code: 'DIGEST_INVALID',
      detail: 'not a sha256 or sha512 digest',
      transient: false,
    });
  }
}

async function readResponse(res: Response, onError: (error: unknown) => RegistryError): Promise<RegistryResponse> {
  let body: Buffer;
  try {
    body = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    throw onError(error);
  }
  return { status: res.status, headers: res.headers, body, url: res.url };
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // The body of a response we are dropping has nothing we need.
  }
}

/** The upload URL that completes an upload: `digest` added with `?` or, after an existing query, `&`. */
export function withDigestParam(uploadUrl: string, digest: string): string {
  return `${uploadUrl}${uploadUrl.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/** The target of `rel="next"` in a Link header (tag list pagination). */
export function nextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?next"?/.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeCause(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message}: ${cause.message}`;
  return error.message;
}

/** The registry answered the ping over one scheme with a status that is neither 200 nor 401. */
class PingAnsweredError extends Error {
  constructor(
    readonly scheme: RegistryScheme,
    readonly status: number,
  ) {
    super(`${scheme}: GET /v2/ answered ${status}`);
    this.name = 'PingAnsweredError';
  }
}
