import { Controller, Req, Sse, UseGuards, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { FleetEventsService } from './fleet-events.service.js';
import { OidcGuard, type AuthenticatedRequest } from '../auth/oidc.guard.js';
import { SessionRevocationsService } from '../auth/session-revocations.service.js';

@ApiTags('events')
@ApiGuarded()
@UseGuards(OidcGuard)
@Controller(API_PREFIX)
export class EventsController {
  constructor(
    private readonly events: FleetEventsService,
    private readonly revocations: SessionRevocationsService,
  ) {}

  @Sse('events')
  @ApiOperation({
    summary:
      'Server-sent events: `hello`, then `cells` (the (module, cluster) states that changed, the totals and the module overview), `build` (a build changed state or progressed), `ping`',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an event stream; it ends when the access token expires or the web session signs out' })
  stream(@Req() req: AuthenticatedRequest): Observable<MessageEvent> {
    const { expiresAt, sessionId } = req.principal;
    // A stream opened with a web session ends soon after that session signs out, on whichever replica.
    const stillValid = sessionId !== undefined ? async () => !(await this.revocations.isRevoked(sessionId)) : undefined;
    return this.events.stream(expiresAt, stillValid);
  }
}
