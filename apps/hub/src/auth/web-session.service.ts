// The web page's session: the access token from the sign-in, sealed (AES-256-GCM, JWE `dir`) in an HttpOnly cookie,
// so any API replica that shares OIDC_SESSION_SECRET can read it. Each sealed value has a random id (`jti`): the
// servers keep only the ids of signed-out sessions (session-revocations.service.ts). The sign-in in progress (PKCE
// verifier, state, nonce, where to return) travels the same way in a short-lived cookie.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { AUTH_SETTINGS, type AuthSettings } from './auth-settings.js';

export const SESSION_COOKIE = 'kmm_hub_session';
export const LOGIN_COOKIE = 'kmm_hub_login';

export interface LoginState {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

@Injectable()
export class WebSessionService {
  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {}

  get enabled(): boolean {
    return this.settings.mode === 'oidc' && this.settings.oidc.webLogin !== undefined;
  }

  async seal(payload: Record<string, unknown>, expiresAt: number): Promise<string> {
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .encrypt(this.#key());
  }

  /** The sealed payload, or undefined when the cookie is missing, forged, or expired. */
  async unseal(sealed: string | undefined): Promise<Record<string, unknown> | undefined> {
    if (!sealed || !this.enabled) return undefined;
    try {
      const { payload } = await jwtDecrypt(sealed, this.#key(), {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  #key(): Uint8Array {
    if (this.settings.mode !== 'oidc' || !this.settings.oidc.webLogin) throw new Error('web sign-in is not configured');
    return this.settings.oidc.webLogin.sessionKey;
  }
}

export function cookieHeader(
  name: string,
  value: string,
  opts: { maxAgeS: number; secure: boolean; sameSite: 'Strict' | 'Lax'; path?: string },
): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${opts.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeS))}`,
    'HttpOnly',
    `SameSite=${opts.sameSite}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}
