// Every error of the HTTP API as RFC 9457 problem details (application/problem+json). Known errors keep their
// status and a short detail; anything else is a 500 with a fixed text, logged once with its cause.
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import {
  DependencyUnavailableError,
  InvalidCursorError,
  ResourceNotFoundError,
  StateConflictError,
} from './api-errors.js';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

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
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, req: Request): ProblemDetails {
    const instance = req.path;
    const problem = (status: number, detail: string, extra: Partial<ProblemDetails> = {}): ProblemDetails => ({
      type: 'about:blank',
      title: TITLES[status] ?? HttpStatus[status] ?? 'Error',
      status,
      detail,
      instance,
      ...extra,
    });
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
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
