// Every API route passes here: 401 without valid credentials (with RFC 6750's WWW-Authenticate), 403 without the
// role the route needs, and 403 for a state-changing call authenticated by cookie but lacking the CSRF header.
import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { AuthenticationService } from './authentication.service.js';
import { ACCESS, isAllowed, type Access, type Principal } from './principal.js';

const ACCESS_METADATA = 'kmm-hub:access';
/** Header the web page sends with state-changing calls; a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-kmm-hub-csrf';

/** The access a route needs (default: viewer). */
export const RequireAccess = (access: Access) => SetMetadata(ACCESS_METADATA, access);

export type AuthenticatedRequest = Request & { principal: Principal };

@Injectable()
export class OidcGuard implements CanActivate {
  constructor(
    private readonly auth: AuthenticationService,
    private readonly reflector: Reflector,
    @InjectPinoLogger(OidcGuard.name) private readonly logger: PinoLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? ACCESS.viewer;
    const result = await this.auth.authenticate(req);
    if (!result.ok) {
      this.logger.info({ reason: result.detail, route: req.route?.path }, 'request not authenticated');
      http
        .getResponse<Response>()
        .setHeader(
          'WWW-Authenticate',
          result.reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token", error_description="invalid token"',
        );
      throw new UnauthorizedException(result.reason === 'missing' ? 'authentication required' : 'invalid token');
    }
    const { principal } = result;
    if (!isAllowed(principal, access)) {
      this.logger.info({ subject: principal.subject, access, route: req.route?.path }, 'request not authorised');
      throw new ForbiddenException('not allowed');
    }
    const safe = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    if (principal.via === 'session' && !safe && req.headers[CSRF_HEADER] !== '1') {
      throw new ForbiddenException(`${CSRF_HEADER} header required`);
    }
    req.principal = principal;
    return true;
  }
}
