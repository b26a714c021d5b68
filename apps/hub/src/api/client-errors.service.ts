// Requests Node's HTTP parser refuses (headers over --max-http-header-size, bytes that are not HTTP, a header
// timeout) never reach Express or the exception filter: Node answers them itself with a bare status line. This
// answers them as the API answers everything else, with problem details, and without an error-level log line.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { clientErrorStatus, problemDetails, rawProblemResponse } from './problem-details.js';

const DETAILS: Record<number, string> = {
  400: 'the request is not valid HTTP',
  408: 'the request took too long to arrive',
  431: 'the request headers are too large',
};

@Injectable()
export class ClientErrorsService implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectPinoLogger(ClientErrorsService.name) private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // With a listener, Node leaves the socket to us (https://nodejs.org/api/http.html#event-clienterror).
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status = clientErrorStatus(err.code);
      this.logger.debug({ code: err.code, status }, 'request refused by the HTTP parser');
      socket.end(rawProblemResponse(problemDetails(status, DETAILS[status] ?? 'bad request', undefined)));
    });
  }
}
