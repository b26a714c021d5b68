// One place that turns a request into a Principal: a bearer token, the web session cookie, or the loud dev mode.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Request } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { AUTH_SETTINGS, type AuthSettings } from './auth-settings.js';
import { InvalidTokenError, OidcVerifierService } from './oidc-verifier.service.js';
import { ROLES, type Principal } from './principal.js';
import { headerValues, readBearer, readCookie } from './read-credentials.js';
import { SessionRevocationsService } from './session-revocations.service.js';
import { SESSION_COOKIE, WebSessionService } from './web-session.service.js';

export type AuthenticationResult =
  { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid'; detail: string };

@Injectable()
export class AuthenticationService implements OnApplicationBootstrap {
  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    private readonly verifier: OidcVerifierService,
    private readonly sessions: WebSessionService,
    private readonly revocations: SessionRevocationsService,
    @InjectPinoLogger(AuthenticationService.name) private readonly logger: PinoLogger,
  ) {}

  get disabled(): boolean {
    return this.settings.mode === 'disabled';
  }

  onApplicationBootstrap(): void {
    if (this.disabled) {
      this.logger.warn(
        { authMode: 'disabled' },
        'AUTHENTICATION IS DISABLED: every caller is an admin. Use AUTH_MODE=disabled for local development only',
      );
    }
  }

  async authenticate(req: Request): Promise<AuthenticationResult> {
    if (this.settings.mode === 'disabled') {
      return { ok: true, principal: { subject: 'dev-mode', roles: [ROLES.viewer, ROLES.admin], via: 'disabled' } };
    }
    const bearer = readBearer(headerValues(req.rawHeaders, 'authorization'));
    if (bearer.kind === 'invalid') return { ok: false, reason: 'invalid', detail: bearer.detail };
    if (bearer.kind === 'bearer') return this.#verify(bearer.token, 'bearer');
    const session = await this.sessions.unseal(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (typeof session?.['at'] === 'string') {
      // Sessions sealed before sessions had ids cannot be signed out: they sign in again.
      if (typeof session.jti !== 'string') return { ok: false, reason: 'invalid', detail: 'session without id' };
      if (await this.revocations.isRevoked(session.jti))
        return { ok: false, reason: 'invalid', detail: 'session signed out' };
      const result = await this.#verify(session['at'], 'session');
      return result.ok ? { ok: true, principal: { ...result.principal, sessionId: session.jti } } : result;
    }
    return { ok: false, reason: 'missing', detail: 'no credentials' };
  }

  async #verify(token: string, via: 'bearer' | 'session'): Promise<AuthenticationResult> {
    try {
      return { ok: true, principal: { ...(await this.verifier.verify(token)), via } };
    } catch (err) {
      if (err instanceof InvalidTokenError) return { ok: false, reason: 'invalid', detail: err.reason };
      throw err;
    }
  }
}
