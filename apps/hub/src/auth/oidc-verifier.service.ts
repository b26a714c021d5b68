// Checks access tokens against the OIDC issuer found by discovery: JWTs by signature with the issuer's JWKS (keys
// refetched when an unknown `kid` shows up, so key rotation at the issuer needs no restart) and by `iss`, `aud`,
// `exp` and `nbf`, with the algorithms restricted to the issuer's asymmetric ones; anything else by introspection
// when that is enabled. Discovery runs at start-up: an unreachable issuer fails the start.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { asymmetricAlgorithms, AUTH_SETTINGS, type AuthSettings, type OidcSettings } from './auth-settings.js';
import { rolesFromClaims, type Principal } from './principal.js';

const DISCOVERY_TIMEOUT_S = 10;
const JWKS_TIMEOUT_MS = 5_000;

/** A token that does not authenticate anybody; `reason` is for the log only, never for the caller. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid access token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

interface Discovered {
  config: oidc.Configuration;
  issuer: string;
  algorithms: string[];
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

@Injectable()
export class OidcVerifierService implements OnApplicationBootstrap {
  #discovered: Discovered | undefined;

  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    @InjectPinoLogger(OidcVerifierService.name) private readonly logger: PinoLogger,
  ) {}

  get oidc(): OidcSettings | undefined {
    return this.settings.mode === 'oidc' ? this.settings.oidc : undefined;
  }

  /** The openid-client configuration (discovery result) for the web sign-in. */
  get client(): oidc.Configuration {
    if (!this.#discovered) throw new Error('OIDC discovery has not run');
    return this.#discovered.config;
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = this.oidc;
    if (!s) return;
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(
        s.issuer,
        s.clientId ?? 'kmm-hub',
        undefined,
        s.clientSecret !== undefined ? oidc.ClientSecretBasic(s.clientSecret) : oidc.None(),
        { timeout: DISCOVERY_TIMEOUT_S, ...(s.allowHttp && { execute: [oidc.allowInsecureRequests] }) },
      );
    } catch (err) {
      throw new Error(`OIDC discovery failed for ${s.issuer.href}`, { cause: err });
    }
    const meta = config.serverMetadata();
    if (meta.jwks_uri === undefined) throw new Error(`OIDC issuer ${meta.issuer} publishes no jwks_uri`);
    if (s.introspection && meta.introspection_endpoint === undefined)
      throw new Error(`OIDC_INTROSPECTION is on but issuer ${meta.issuer} has no introspection endpoint`);
    const algorithms = s.algorithms ?? asymmetricAlgorithms(meta.id_token_signing_alg_values_supported ?? ['RS256']);
    if (algorithms.length === 0) throw new Error(`OIDC issuer ${meta.issuer} lists no asymmetric signing algorithm`);
    const jwks = createRemoteJWKSet(new URL(meta.jwks_uri), {
      cooldownDuration: s.jwksCooldownMs,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    this.#discovered = { config, issuer: meta.issuer, algorithms, jwks };
    this.logger.info({ issuer: meta.issuer, algorithms, introspection: s.introspection }, 'OIDC issuer discovered');
  }

  /** The caller a token stands for; throws InvalidTokenError when it is not acceptable. */
  async verify(token: string): Promise<Omit<Principal, 'via'>> {
    const s = this.oidc;
    const d = this.#discovered;
    if (!s || !d) throw new InvalidTokenError('OIDC is not configured');
    const claims = isCompactJws(token) ? await this.#verifyJwt(token, s, d) : await this.#introspect(token, s, d);
    const subject =
      typeof claims.sub === 'string' ? claims.sub : typeof claims['client_id'] === 'string' ? claims['client_id'] : '';
    if (subject === '') throw new InvalidTokenError('no sub or client_id');
    return {
      subject,
      roles: rolesFromClaims(claims, s),
      ...(typeof claims.exp === 'number' && { expiresAt: claims.exp }),
    };
  }

  async #verifyJwt(token: string, s: OidcSettings, d: Discovered): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, d.jwks, {
        issuer: d.issuer,
        audience: s.audience,
        algorithms: d.algorithms,
        clockTolerance: s.clockToleranceS,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError(err.code);
      throw new InvalidTokenError(err instanceof Error ? err.message : String(err));
    }
  }

  async #introspect(token: string, s: OidcSettings, d: Discovered): Promise<JWTPayload> {
    if (!s.introspection) throw new InvalidTokenError('not a JWT and introspection is off');
    let result: oidc.IntrospectionResponse;
    try {
      result = await oidc.tokenIntrospection(d.config, token);
    } catch (err) {
      // The issuer did not answer: not the caller's fault, but nothing we may accept either.
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'token introspection failed');
      throw new InvalidTokenError('introspection failed');
    }
    if (!result.active) throw new InvalidTokenError('inactive');
    const now = Math.floor(Date.now() / 1000);
    const audiences = Array.isArray(result.aud) ? result.aud : result.aud !== undefined ? [result.aud] : [];
    if (!audiences.includes(s.audience)) throw new InvalidTokenError('audience');
    if (result.iss !== undefined && result.iss !== d.issuer) throw new InvalidTokenError('issuer');
    if (typeof result.exp !== 'number' || result.exp + s.clockToleranceS < now) throw new InvalidTokenError('expired');
    if (typeof result.nbf === 'number' && result.nbf - s.clockToleranceS > now)
      throw new InvalidTokenError('not yet valid');
    return result as JWTPayload;
  }
}

function isCompactJws(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}
