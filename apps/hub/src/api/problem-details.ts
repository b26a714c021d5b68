// RFC 9457 problem details, the one error format of the HTTP API: built here for the exception filter and for the
// requests Node's HTTP parser refuses before any route sees them.
import { STATUS_CODES } from 'node:http';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path; absent when the request could not be parsed far enough to know it. */
  instance?: string;
  errors?: { path: string; message: string }[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemDetails(
  status: number,
  detail: string,
  instance: string | undefined,
  extra: Pick<ProblemDetails, 'errors'> = {},
): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance !== undefined && { instance }),
    ...extra,
  };
}

/**
 * Details for the errors of Express's body parsers (the `type` of their http-errors): fixed texts, because their
 * messages quote the body back (JSON.parse) and the body is the caller's, not ours to echo into logs or pages.
 */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'the request body could not be parsed',
  'entity.too.large': 'the request body is too large',
  'entity.verify.failed': 'the request body could not be verified',
  'charset.unsupported': 'the request body has an unsupported charset',
  'encoding.unsupported': 'the request body has an unsupported content encoding',
  'request.aborted': 'the request was aborted',
  'request.size.invalid': 'the request body does not match its Content-Length',
  'parameters.too.many': 'the request body has too many parameters',
  'stream.encoding.set': 'the request body could not be read',
};

/** The detail for a body parser's error type, or undefined for anything else. */
export function bodyErrorDetail(type: unknown): string | undefined {
  return typeof type === 'string' ? BODY_ERRORS[type] : undefined;
}

/** Status for a request Node's HTTP parser refused (`clientError` codes from llhttp and the server's timeouts). */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/** A whole HTTP/1.1 response carrying `problem`, for a socket no request object exists for; it closes the connection. */
export function rawProblemResponse(problem: ProblemDetails): string {
  const body = JSON.stringify(problem);
  return [
    `HTTP/1.1 ${problem.status} ${problem.title}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
