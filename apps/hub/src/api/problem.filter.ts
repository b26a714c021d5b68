// Every error of the HTTP API as RFC 9457 problem details (application/problem+json). Known errors keep their
// status and a short detail; anything else is a 500 with a fixed text, logged once with its cause.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { DependencyUnavailableError } from '../image-queues/with-timeout.js';
import { InvalidCursorError, ResourceNotFoundError, StateConflictError } from './api-errors.js';
import { bodyErrorDetail, PROBLEM_CONTENT_TYPE, problemDetails, type ProblemDetails } from './problem-details.js';

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@InjectPinoLogger(ProblemFilter.name) private readonly logger: PinoLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const problem = this.toProblem(exception, req);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, req: Request): ProblemDetails {
    const problem = (status: number, detail: string, extra: Pick<ProblemDetails, 'errors'> = {}) =>
      problemDetails(status, detail, req.path, extra);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Express's body parsers fail before any route (Nest's adapter maps their http-errors to HttpException).
      const bodyError = bodyErrorDetail((exception.cause as { type?: unknown } | undefined)?.type);
      if (bodyError !== undefined) return problem(status, bodyError);
      const body = exception.getResponse();
      if (typeof body === 'string') return problem(status, body);
      const b = body as { message?: unknown; errors?: ProblemDetails['errors'] };
      const detail = Array.isArray(b.message) ? b.message.join('; ') : typeof b.message === 'string' ? b.message : '';
      return problem(status, detail, b.errors ? { errors: b.errors } : {});
    }
    if (exception instanceof ResourceNotFoundError) return problem(404, exception.message);
    if (exception instanceof StateConflictError) return problem(409, exception.message);
    if (exception instanceof InvalidCursorError) return problem(400, exception.message);
    if (exception instanceof DependencyUnavailableError) {
      this.logger.warn({ dependency: exception.dependency, err: exception.cause }, 'dependency unavailable');
      return problem(503, exception.message);
    }
    this.logger.error({ err: exception, method: req.method, route: req.route?.path }, 'unhandled error in request');
    return problem(500, 'an unexpected error occurred');
  }
}
