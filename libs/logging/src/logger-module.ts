import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { REDACTED, redactHeaders, redactQuery, redactUrl } from './redact-http.js';

/**
 * Paths that may carry credentials; pino replaces them before a line is written. The request and response of HTTP
 * lines go through the serializers below instead; the `headers` paths catch other objects that carry headers.
 */
export const REDACT_PATHS = [
  '*.headers.authorization',
  '*.headers["proxy-authorization"]',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.data',
  '*.stringData',
  '*.token',
  '*.password',
  '*.auth',
  '*["dockerconfigjson"]',
  '*[".dockerconfigjson"]',
];

interface SerializedRequest {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  query?: unknown;
  params?: unknown;
  headers?: Record<string, unknown>;
  remoteAddress?: unknown;
  remotePort?: unknown;
}

/**
 * The request as every line logged during it shows it (pino-http binds it to the request's child logger): headers
 * that carry credentials and secret query parameters redacted. A copy: the live request is not touched.
 */
export function serializeRequest(req: SerializedRequest): SerializedRequest {
  return {
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    query: redactQuery(req.query),
    params: req.params,
    headers: redactHeaders(req.headers),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

/** The response of the request-completed line: Set-Cookie and other credential headers redacted, URLs cleaned. */
export function serializeResponse(res: { statusCode?: unknown; headers?: Record<string, unknown> }) {
  return { statusCode: res.statusCode, headers: redactHeaders(res.headers) };
}

export interface LoggerOptions {
  /** Where lines go; standard output when absent. Tests pass a stream to read the process's real log. */
  destination?: DestinationStream;
}

export function loggerModule(level: string, name: string, options: LoggerOptions = {}) {
  const pinoOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { req: serializeRequest, res: serializeResponse },
    autoLogging: { ignore: (req: { url?: string }) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
  };
  return LoggerModule.forRoot({
    pinoHttp: options.destination ? [pinoOptions, options.destination] : pinoOptions,
  });
}
