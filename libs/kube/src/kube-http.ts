import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { KubeClientConfig } from './kube-config.js';

/** An API answer that was not 2xx: its HTTP status and the Status object's reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /**
   * Conflicts, throttling, server errors and timeouts (status 0) clear up by themselves; anything else is ours or
   * the user's to fix.
   */
  get transient(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * The inactivity timeout that ended a response, if one did. Destroying the request after its headers arrived makes
 * Node fail the response stream with a bare `aborted` (ECONNRESET) rather than the error we destroyed it with, so the
 * readers below put the timeout back: a silent peer is always a transient `Timeout`.
 */
const timeouts = new WeakMap<IncomingMessage, () => KubeApiError | undefined>();

async function* chunksOf(res: IncomingMessage): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (error) {
    throw timeouts.get(res)?.() ?? error;
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of chunksOf(res)) body += chunk.toString();
  return body;
}

function apiError(status: number, body: string): KubeApiError {
  try {
    const s = JSON.parse(body) as { reason?: string; message?: string };
    return new KubeApiError(status, s.reason ?? 'Unknown', s.message ?? body);
  } catch {
    return new KubeApiError(status, 'Unknown', body.slice(0, 500));
  }
}

/**
 * Raw JSON and watch requests with the KubeConfig's credentials and TLS settings. The generated clients cover typed
 * calls; informers need the watch stream itself (bookmarks, 410 handling) which they hide.
 */
export interface KubeHttpOptions {
  /** A request (headers and body) not answered within this fails, so a peer that stops answering cannot hang a reconcile. */
  requestTimeoutMs?: number;
  /** A watch stream that sends nothing (not even a bookmark) for this long is dropped and resumed by its caller. */
  watchIdleTimeoutMs?: number;
}

export class KubeHttp {
  private readonly requestTimeoutMs: number;
  private readonly watchIdleTimeoutMs: number;

  constructor(
    private readonly kc: KubeClientConfig,
    opts: KubeHttpOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    // Servers close watches after timeoutSeconds (≤ 10 min here) and send bookmarks about every minute.
    this.watchIdleTimeoutMs = opts.watchIdleTimeoutMs ?? 11 * 60_000;
  }

  private async open(
    method: string,
    pathAndQuery: string,
    {
      body,
      contentType,
      accept,
      signal,
      idleMs = this.requestTimeoutMs,
    }: { body?: unknown; contentType?: string; accept?: string; signal?: AbortSignal; idleMs?: number } = {},
  ) {
    const url = new URL(pathAndQuery, this.kc.server);
    const opts: RequestOptions = { method, headers: { accept: accept ?? 'application/json' } };
    await this.kc.prepare();
    this.kc.applyTo(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      opts.headers = {
        ...opts.headers,
        'content-type': contentType ?? 'application/json',
        'content-length': Buffer.byteLength(payload),
      };
    }
    const send = url.protocol === 'http:' ? httpRequest : request;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let timedOut: KubeApiError | undefined;
      const req = send(url, { ...opts, signal }, (res) => {
        timeouts.set(res, () => timedOut);
        resolve(res);
      });
      // Socket inactivity: no bytes either way for idleMs ends the request (and a watch stream) with an error.
      req.setTimeout(idleMs, () => {
        timedOut = new KubeApiError(0, 'Timeout', `${method} ${url.pathname}: no answer within ${idleMs} ms`);
        req.destroy(timedOut);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async json<T>(
    method: string,
    path: string,
    opts: { query?: Query; body?: unknown; contentType?: string } = {},
  ): Promise<T> {
    const res = await this.openAuthenticated(method, withQuery(path, opts.query), opts);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * An exec plugin's credential can be revoked before its expirationTimestamp: as client-go does, a 401 forgets it
   * and the request is sent once more with a fresh one from the plugin.
   */
  private async openAuthenticated(method: string, pathAndQuery: string, opts: Parameters<KubeHttp['open']>[2]) {
    const res = await this.open(method, pathAndQuery, opts);
    if (res.statusCode !== 401 || !this.kc.usesExecPlugin) return res;
    res.resume();
    this.kc.invalidateCredentials();
    return this.open(method, pathAndQuery, opts);
  }

  /** A GET whose answer is text, not JSON (a pod's log). */
  async text(path: string, query?: Query): Promise<string> {
    const res = await this.openAuthenticated('GET', withQuery(path, query), { accept: '*/*' });
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(status, text);
    return text;
  }

  /**
   * Streams watch events until the server closes the stream (resolves) or the connection fails or the server
   * answers non-200 (rejects with KubeApiError, e.g. 410 for an expired resourceVersion).
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (ev: WatchEvent<T>) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.open('GET', withQuery(path, { ...query, watch: true }), {
      signal,
      idleMs: this.watchIdleTimeoutMs,
    });
    const status = res.statusCode ?? 0;
    // The informer retries a failed watch; a refused exec credential must not be presented again.
    if (status === 401) this.kc.invalidateCredentials();
    if (status !== 200) throw apiError(status, await readBody(res));
    let buffered = '';
    for await (const chunk of chunksOf(res)) {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
  }
}
