import { Controller, Req, Sse, UseGuards, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { FleetEventsService } from './fleet-events.service.js';
import { OidcGuard, type AuthenticatedRequest } from './oidc.guard.js';

@ApiTags('events')
@ApiGuarded()
@UseGuards(OidcGuard)
@Controller(API_PREFIX)
export class EventsController {
  constructor(private readonly events: FleetEventsService) {}

  @Sse('events')
  @ApiOperation({
    summary:
      'Server-sent events: `hello`, then `cells` (matrix cells whose state changed, and totals), `build` (a build changed state or progressed), `ping`',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an event stream; it ends when the access token expires' })
  stream(@Req() req: AuthenticatedRequest): Observable<MessageEvent> {
    return this.events.stream(req.principal.expiresAt);
  }
}
