// How requests reach a registry. The default is the global fetch. Skipping TLS verification needs a dispatcher that
// Node 20 exposes only through the `undici` package, which we do not depend on, so that one case goes through
// node:https with `rejectUnauthorized: false` and is adapted back to a fetch Response.

import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  signal: AbortSignal;
}

export type Transport = (url: URL, request: TransportRequest) => Promise<Response>;

const MAX_REDIRECTS = 10;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function createTransport(options: { insecureSkipTLSVerify?: boolean }): Transport {
  return options.insecureSkipTLSVerify ? unverifiedTlsTransport : fetchTransport;
}

const fetchTransport: Transport = (url, request) =>
  fetch(url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: 'follow',
  });

/** HTTPS without certificate verification; plain http URLs go to fetch. Follows redirects like fetch does. */
const unverifiedTlsTransport: Transport = async (url, request) => {
  let current = url;
  let method = request.method;
  let body = request.body;
  const headers = { ...request.headers };
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'https:') {
      return fetchTransport(current, { method, headers, signal: request.signal, ...(body ? { body } : {}) });
    }
    const res = await sendUnverified(current, method, headers, body, request.signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && status !== 304 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new TypeError(`too many redirects from ${url.host}`);
      const next = new URL(location, current);
      if (next.origin !== current.origin) delete headers['authorization'];
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      current = next;
      continue;
    }
    return toResponse(res, method, current);
  }
};

function sendUnverified(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const withLength =
      body === undefined || 'content-length' in headers
        ? headers
        : { ...headers, 'content-length': String(body.byteLength) };
    const req = httpsRequest(url, { method, headers: withLength, signal, rejectUnauthorized: false }, resolve);
    req.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
    req.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

function toResponse(res: IncomingMessage, method: string, url: URL): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const status = res.statusCode ?? 0;
  const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
  if (!hasBody) res.resume();
  const body = hasBody ? (Readable.toWeb(res) as ReadableStream<Uint8Array>) : null;
  const response = new Response(body, { status, statusText: res.statusMessage ?? '', headers });
  // Constructed Responses have an empty url; callers resolve relative Location headers against it, as with fetch.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}
