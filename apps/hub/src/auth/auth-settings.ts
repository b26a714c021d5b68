// Authentication settings of the API and web page, checked once at start-up with every problem listed.
import { createHash } from 'node:crypto';
import type { HubConfig } from '../config/config.schema.js';
import type { RoleMapping } from './principal.js';

export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

export interface OidcSettings extends RoleMapping {
  issuer: URL;
  audience: string;
  clientId?: string;
  clientSecret?: string;
  scopes: string;
  /** Accepted JWS algorithms; undefined: the issuer's asymmetric ones. */
  algorithms?: string[];
  introspection: boolean;
  allowHttp: boolean;
  clockToleranceS: number;
  jwksCooldownMs: number;
  /** Web sign-in (authorization code + PKCE) is on when the client id and a session secret are set. */
  webLogin?: { clientId: string; sessionKey: Uint8Array };
  publicUrl?: URL;
}

export type AuthSettings = { mode: 'disabled'; publicUrl?: URL } | { mode: 'oidc'; oidc: OidcSettings };

export type AuthSettingsResult = { ok: true; settings: AuthSettings } | { ok: false; problems: string[] };

const SYMMETRIC = /^HS/;

export function authSettingsFromConfig(config: HubConfig): AuthSettingsResult {
  const publicUrl = config.HUB_PUBLIC_URL !== undefined ? new URL(config.HUB_PUBLIC_URL) : undefined;
  if (config.AUTH_MODE === 'disabled')
    return { ok: true, settings: { mode: 'disabled', ...(publicUrl && { publicUrl }) } };
  const problems: string[] = [];
  if (config.OIDC_ISSUER_URL === undefined) problems.push('OIDC_ISSUER_URL: required unless AUTH_MODE=disabled');
  if (config.OIDC_AUDIENCE === undefined) problems.push('OIDC_AUDIENCE: required unless AUTH_MODE=disabled');
  const issuer = config.OIDC_ISSUER_URL !== undefined ? new URL(config.OIDC_ISSUER_URL) : undefined;
  if (issuer?.protocol === 'http:' && !config.OIDC_ALLOW_HTTP)
    problems.push('OIDC_ISSUER_URL: http:// needs OIDC_ALLOW_HTTP=true (loopback tests only)');
  if (config.OIDC_INTROSPECTION && (config.OIDC_CLIENT_ID === undefined || config.OIDC_CLIENT_SECRET === undefined))
    problems.push('OIDC_INTROSPECTION: needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  const symmetric = (config.OIDC_ALGORITHMS ?? []).filter((a) => SYMMETRIC.test(a) || a === 'none');
  if (symmetric.length > 0)
    problems.push(`OIDC_ALGORITHMS: ${symmetric.join(', ')} not allowed (only asymmetric signatures are accepted)`);
  if ((config.OIDC_SESSION_SECRET === undefined) !== (config.OIDC_CLIENT_ID === undefined))
    problems.push('OIDC_SESSION_SECRET and OIDC_CLIENT_ID: web sign-in needs both (or neither)');
  if (problems.length > 0 || issuer === undefined || config.OIDC_AUDIENCE === undefined) return { ok: false, problems };
  const webLogin =
    config.OIDC_CLIENT_ID !== undefined && config.OIDC_SESSION_SECRET !== undefined
      ? {
          clientId: config.OIDC_CLIENT_ID,
          sessionKey: new Uint8Array(createHash('sha256').update(config.OIDC_SESSION_SECRET).digest()),
        }
      : undefined;
  return {
    ok: true,
    settings: {
      mode: 'oidc',
      oidc: {
        issuer,
        audience: config.OIDC_AUDIENCE,
        ...(config.OIDC_CLIENT_ID !== undefined && { clientId: config.OIDC_CLIENT_ID }),
        ...(config.OIDC_CLIENT_SECRET !== undefined && { clientSecret: config.OIDC_CLIENT_SECRET }),
        scopes: config.OIDC_SCOPES,
        groupsClaim: config.OIDC_GROUPS_CLAIM,
        adminGroups: config.OIDC_ADMIN_GROUPS,
        viewerGroups: config.OIDC_VIEWER_GROUPS,
        ...(config.OIDC_ALGORITHMS !== undefined && { algorithms: config.OIDC_ALGORITHMS }),
        introspection: config.OIDC_INTROSPECTION,
        allowHttp: config.OIDC_ALLOW_HTTP,
        clockToleranceS: config.OIDC_CLOCK_TOLERANCE_S,
        jwksCooldownMs: config.OIDC_JWKS_COOLDOWN_S * 1000,
        ...(webLogin && { webLogin }),
        ...(publicUrl && { publicUrl }),
      },
    },
  };
}

/** The asymmetric JWS algorithms among those an issuer lists (never `none` nor HMAC). */
export function asymmetricAlgorithms(listed: readonly string[] | undefined): string[] {
  return (listed ?? []).filter((a) => a !== 'none' && !SYMMETRIC.test(a));
}
