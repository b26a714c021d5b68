// Web sign-in for the fleet page: the authorization-code flow with PKCE (openid-client). The hub is the client;
// the access token it receives is checked exactly like a bearer token, then sealed in an HttpOnly cookie.
import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Query,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import * as oidc from 'openid-client';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { AUTH_SETTINGS, type AuthSettings } from '../auth/auth-settings.js';
import { loginQuery, type LoginQuery } from './dto/auth.dto.js';
import { me, type MeView } from './dto/me.dto.js';
import { OidcGuard, RequireAccess, type AuthenticatedRequest } from '../auth/oidc.guard.js';
import { InvalidTokenError, OidcVerifierService } from '../auth/oidc-verifier.service.js';
import { ACCESS } from '../auth/principal.js';
import { readCookie } from '../auth/read-credentials.js';
import { SessionRevocationsService } from '../auth/session-revocations.service.js';
import {
  cookieHeader,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  WebSessionService,
  type LoginState,
} from '../auth/web-session.service.js';

const LOGIN_TTL_S = 600;
@ApiTags('session')
@Controller()
export class AuthController {
  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    private readonly verifier: OidcVerifierService,
    private readonly sessions: WebSessionService,
    private readonly revocations: SessionRevocationsService,
    @InjectPinoLogger(AuthController.name) private readonly logger: PinoLogger,
  ) {}

  @Get(`${API_PREFIX}/me`)
  @UseGuards(OidcGuard)
  @RequireAccess(ACCESS.authenticated)
  @ApiOperation({ summary: 'The caller: subject, roles, and how the hub authenticates' })
  @ApiGuarded()
  @ApiOkResponse({ standardSchema: me })
  me(@Req() req: AuthenticatedRequest): MeView {
    const p = req.principal;
    return {
      subject: p.subject,
      roles: p.roles,
      via: p.via,
      authMode: this.settings.mode,
      webLogin: this.sessions.enabled,
      ...(p.expiresAt !== undefined && { expiresAt: new Date(p.expiresAt * 1000).toISOString() }),
    };
  }

  @Get('auth/login')
  @ApiExcludeEndpoint()
  async login(
    @Query({ schema: loginQuery }) query: LoginQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const s = this.#oidc();
    const login: LoginState = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnTo: query.returnTo,
    };
    const url = oidc.buildAuthorizationUrl(this.verifier.client, {
      redirect_uri: new URL('/auth/callback', this.#base(req)).href,
      scope: s.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
      resource: s.audience,
      ...(query.login_hint !== undefined && { login_hint: query.login_hint }),
    });
    const sealed = await this.sessions.seal({ ...login }, Math.floor(Date.now() / 1000) + LOGIN_TTL_S);
    res.setHeader(
      'Set-Cookie',
      cookieHeader(LOGIN_COOKIE, sealed, {
        maxAgeS: LOGIN_TTL_S,
        secure: this.#secure(req),
        sameSite: 'Lax',
        path: '/auth',
      }),
    );
    res.redirect(302, url.href);
  }

  @Get('auth/callback')
  @ApiExcludeEndpoint()
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const s = this.#oidc();
    const login = (await this.sessions.unseal(readCookie(req.headers.cookie, LOGIN_COOKIE))) as LoginState | undefined;
    if (!login) throw new BadRequestException('sign-in expired or was not started here; start again');
    let accessToken: string;
    try {
      const tokens = await oidc.authorizationCodeGrant(
        this.verifier.client,
        new URL(req.originalUrl, this.#base(req)),
        { pkceCodeVerifier: login.verifier, expectedState: login.state, expectedNonce: login.nonce },
        { resource: s.audience },
      );
      accessToken = tokens.access_token;
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'sign-in failed at the issuer');
      throw new UnauthorizedException('sign-in failed');
    }
    let expiresAt: number;
    let subject: string;
    try {
      const principal = await this.verifier.verify(accessToken);
      expiresAt = principal.expiresAt ?? Math.floor(Date.now() / 1000) + 300;
      subject = principal.subject;
      this.logger.info({ subject: principal.subject, roles: principal.roles }, 'signed in');
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      this.logger.warn({ reason: err.reason }, 'sign-in returned an access token the API does not accept');
      throw new UnauthorizedException('sign-in failed');
    }
    const secure = this.#secure(req);
    const maxAgeS = expiresAt - Math.floor(Date.now() / 1000);
    res.setHeader('Set-Cookie', [
      cookieHeader(SESSION_COOKIE, await this.sessions.seal({ at: accessToken, sub: subject }, expiresAt), {
        maxAgeS,
        secure,
        sameSite: 'Strict',
      }),
      cookieHeader(LOGIN_COOKIE, '', { maxAgeS: 0, secure, sameSite: 'Lax', path: '/auth' }),
    ]);
    res.redirect(302, login.returnTo);
  }

  @Get('auth/logout')
  @ApiExcludeEndpoint()
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    // The cookie is cleared in this browser; recording its id ends the session for every copy of the cookie too.
    const session = await this.sessions.unseal(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (typeof session?.jti === 'string' && typeof session.exp === 'number') {
      await this.revocations.revoke(session.jti, session.exp, Date.now());
      this.logger.info({ subject: session.sub }, 'signed out');
    }
    res.setHeader(
      'Set-Cookie',
      cookieHeader(SESSION_COOKIE, '', { maxAgeS: 0, secure: this.#secure(req), sameSite: 'Strict' }),
    );
    res.redirect(302, '/?signed-out=1');
  }

  #oidc() {
    if (this.settings.mode !== 'oidc' || !this.sessions.enabled)
      throw new NotFoundException('web sign-in is not configured');
    return this.settings.oidc;
  }

  #base(req: Request): string {
    const configured = this.settings.mode === 'oidc' ? this.settings.oidc.publicUrl : this.settings.publicUrl;
    return configured?.href ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  }

  #secure(req: Request): boolean {
    return this.#base(req).startsWith('https:');
  }
}
