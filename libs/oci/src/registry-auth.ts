// How the registry client authenticates: the scheme learned from a registry's 401 challenge (none, Basic, or
// Bearer), and for Bearer the token negotiation of the distribution token spec
// (https://distribution.github.io/distribution/spec/auth/token/): a GET on the challenge's realm with the service
// and the scopes a request needs, Basic credentials when we have them, and the tokens kept per scope until shortly
// before they expire.
import type { RegistryCredentials } from './docker-config.js';
import { CLIENT_ERROR_CODE, RegistryError } from './registry-error.js';
import type { Transport } from './registry-transport.js';
import { findBearerChallenge, parseWwwAuthenticate } from './www-authenticate.js';

/** Resource scopes of a request (`repository:kmm/gpu:pull`); empty for requests that need none (ping). */
export type Scope = string[];

export interface RegistryAuthOptions {
  registry: string;
  credentials: RegistryCredentials | undefined;
  /** Clock for token expiry, in epoch milliseconds. */
  now: () => number;
  transport: Transport;
  /** The client's error for a failed or timed-out exchange. */
  networkError: (operation: string, error: unknown) => RegistryError;
}

/** A token and how long the token server says it lives. */
export interface TokenGrant {
  token: string;
  expiresInS: number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Lifetime of a token whose response has no usable `expires_in` (the token spec's default). */
export const DEFAULT_TOKEN_LIFETIME_S = 60;
/** A token is renewed this long before it expires. */
export const TOKEN_EXPIRY_MARGIN_S = 10;

export class RegistryAuthNegotiator {
  readonly #options: RegistryAuthOptions;
  #scheme: 'none' | 'basic' | 'bearer' = 'none';
  #bearer: { realm: string; service?: string } | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pendingTokens = new Map<string, Promise<string>>();

  constructor(options: RegistryAuthOptions) {
    this.#options = options;
  }

  /** The Authorization header for a scope; with Bearer auth, gets a token first when none is cached. */
  async authorization(operation: string, scope: Scope, signal: AbortSignal): Promise<string | undefined> {
    if (this.#scheme === 'basic') return this.#options.credentials?.basicAuthorization();
    if (this.#scheme !== 'bearer') return undefined;
    const cached = this.#tokens.get(scopeKey(scope));
    if (cached !== undefined && cached.expiresAt > this.#options.now()) return `Bearer ${cached.token}`;
    if (scope.length === 0) return undefined;
    return `Bearer ${await this.#token(operation, scope, signal)}`;
  }

  /**
   * Learns the auth scheme from a 401's WWW-Authenticate header and gets what the retry needs; false when a retry
   * cannot help.
   */
  async authenticate(
    operation: string,
    requestScope: Scope,
    wwwAuthenticate: string | null,
    signal: AbortSignal,
  ): Promise<boolean> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const bearer = findBearerChallenge(challenges);
    if (bearer !== undefined) {
      this.#scheme = 'bearer';
      this.#bearer =
        bearer.service === undefined ? { realm: bearer.realm } : { realm: bearer.realm, service: bearer.service };
      // Ask for the scope the request needs; requests without one (ping) take the challenge's.
      const scope = requestScope.length > 0 ? requestScope : (bearer.scope?.split(' ') ?? []);
      // A cached token that was refused (revoked, or scoped too narrowly) is replaced once.
      this.#tokens.delete(scopeKey(requestScope));
      await this.#token(operation, scope, signal, requestScope);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const alreadySent = this.#scheme === 'basic';
      this.#scheme = 'basic';
      return this.#options.credentials !== undefined && !alreadySent;
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
        const now = this.#options.now();
        for (const [k, t] of this.#tokens) if (t.expiresAt <= now) this.#tokens.delete(k);
        this.#tokens.set(key, { token, expiresAt: now + Math.max(0, expiresInS - TOKEN_EXPIRY_MARGIN_S) * 1000 });
        return token;
      })
      .finally(() => this.#pendingTokens.delete(key));
    this.#pendingTokens.set(key, promise);
    return promise;
  }

  async #requestToken(operation: string, scope: Scope, signal: AbortSignal): Promise<TokenGrant> {
    const { registry, credentials, transport, networkError } = this.#options;
    const tokenOperation = `${operation}: token`;
    const fail = (detail: string, status?: number, cause?: unknown): RegistryError =>
      new RegistryError({
        registry,
        operation: tokenOperation,
        code: CLIENT_ERROR_CODE.TOKEN_REQUEST_FAILED,
        detail,
        ...(status !== undefined ? { status } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
    const url = tokenRequestUrl(this.#bearer?.realm ?? '', this.#bearer?.service, scope);
    if (typeof url === 'string') throw fail(url.replace(/^invalid: /, ''));
    const headers: Record<string, string> = { 'user-agent': 'kmm-hub', accept: 'application/json' };
    if (credentials !== undefined) headers['authorization'] = credentials.basicAuthorization();

    let res: Response;
    let body: Buffer;
    try {
      res = await transport(url, { method: 'GET', headers, signal });
      body = Buffer.from(await res.arrayBuffer());
    } catch (error) {
      throw networkError(tokenOperation, error);
    }
    if (res.status !== 200) throw fail('token server refused the request', res.status);
    const grant = parseTokenResponse(body);
    if (grant === undefined) throw fail('token response has no token');
    return grant;
  }
}

/** The token request for a Bearer challenge, or why the realm cannot be asked (`invalid: …`). */
export function tokenRequestUrl(realm: string, service: string | undefined, scope: Scope): URL | string {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return 'invalid: the Bearer realm is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'invalid: the Bearer realm is not an http(s) URL';
  if (service !== undefined) url.searchParams.set('service', service);
  for (const s of scope) url.searchParams.append('scope', s);
  return url;
}

/** The token of a token server's answer (`token`, or OAuth2's `access_token`) and its lifetime; undefined if none. */
export function parseTokenResponse(body: Uint8Array): TokenGrant | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const token = record['token'] ?? record['access_token'];
  if (typeof token !== 'string' || token.length === 0) return undefined;
  const expiresIn = record['expires_in'];
  return {
    token,
    expiresInS: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S,
  };
}

function scopeKey(scope: Scope): string {
  return scope.join(' ');
}
