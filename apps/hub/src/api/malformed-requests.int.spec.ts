// Malformed input to every route of the real hub (role api, OIDC against the real issuer): broken cookies,
// Authorization headers, percent-encoding in query and path, arrays where scalars belong, oversized values, invalid
// bodies. Each answer is a 4xx problem+json (or the route's normal answer when it does not read that input), never a
// 5xx, and the hub writes no error-level log line for any of them.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientCredentialsToken, waitUntil } from '@kmm-hub/test-env';
import { apiHubEnv, startApiHub, type ApiHub } from '../testing/fleet-under-test.testing.js';
import { CapturedLog } from '../testing/log-capture.testing.js';

const env = inject('env');
const BUILD = 'ab'.repeat(32);

interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Answers without credentials (the page, its assets, health, sign-in). */
  open?: boolean;
  /** A never-ending response (server-sent events) when the request is accepted. */
  stream?: boolean;
  /** Served by Swagger UI's own handler ahead of the body parsers: it reads no body. */
  docs?: boolean;
}

/** Every route of the controllers in apps/hub/src/api, apps/hub/src/web and apps/hub/src/health, and the docs. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/', open: true },
  { method: 'GET', path: '/assets/fleet.js', open: true },
  { method: 'GET', path: '/assets/fleet.css', open: true },
  { method: 'GET', path: '/api/v1/me' },
  { method: 'GET', path: '/api/v1/fleet' },
  { method: 'GET', path: '/api/v1/modules' },
  { method: 'GET', path: '/api/v1/modules/gpu-drv' },
  { method: 'GET', path: '/api/v1/modules/gpu-drv/rollout' },
  { method: 'POST', path: '/api/v1/modules/gpu-drv/rollout/pause' },
  { method: 'POST', path: '/api/v1/modules/gpu-drv/rollout/resume' },
  { method: 'GET', path: '/api/v1/clusters' },
  { method: 'GET', path: '/api/v1/clusters/edge-1' },
  { method: 'GET', path: '/api/v1/builds' },
  { method: 'GET', path: `/api/v1/builds/${BUILD}` },
  { method: 'POST', path: `/api/v1/builds/${BUILD}/retry` },
  { method: 'GET', path: '/api/v1/events', stream: true },
  { method: 'GET', path: '/auth/login', open: true },
  { method: 'GET', path: '/auth/callback', open: true },
  { method: 'GET', path: '/auth/logout', open: true },
  { method: 'GET', path: '/api/openapi.json', open: true, docs: true },
  { method: 'GET', path: '/healthz', open: true },
  { method: 'GET', path: '/readyz', open: true },
  { method: 'GET', path: '/metrics' },
];

interface Sent {
  status: number;
  contentType: string;
  body: string;
}

/** One raw HTTP request: any bytes in the target, repeated headers, any body (supertest would normalise these). */
function send(url: string, method: string, path: string, headers: [string, string][], body?: string): Promise<Sent> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const length: [string, string][] = body !== undefined ? [['content-length', String(Buffer.byteLength(body))]] : [];
    const all = [['host', `${hostname}:${port}`], ...length, ...headers].flat();
    let answered: Sent | undefined;
    const req = httpRequest({ hostname, port, method, path, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = {
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
        };
        resolve(answered);
      });
    });
    // A server may answer an oversized body and close before reading all of it: the answer is what counts.
    req.on('error', (err) => (answered ? resolve(answered) : reject(err)));
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.end(body);
  });
}

interface Case {
  name: string;
  /** Sent with an admin's bearer token, so the input reaches validation behind the guard. */
  authenticated?: boolean;
  headers?: [string, string][];
  /** Replaces the route's query string. */
  query?: string;
  /** Replaces the route's path. */
  path?: (route: Route) => string | undefined;
  body?: string;
  /** The status the routes that read this input must answer (the others: anything but a 5xx). */
  refused?: { status: number; by: (route: Route) => boolean };
  /** The problem's detail on those routes. */
  detail?: string;
}

const huge = (n: number) => 'A'.repeat(n);
const guarded = (r: Route) => !r.open;
const lists = (r: Route) => /^\/api\/v1\/(modules|clusters|builds)$/.test(r.path);
const named = (r: Route) => /^\/api\/v1\/(modules|clusters|builds)\/./.test(r.path);
const every = () => true;
const readsBody = (r: Route) => !r.docs;
/** The route's path with its object name replaced by `text`; undefined for routes without one. */
const withName = (text: string) => (r: Route) => (named(r) ? r.path.replace(/gpu-drv|edge-1|(ab)+/, text) : undefined);
const CASES: Case[] = [
  { name: 'session cookie "%"', headers: [['cookie', 'kmm_hub_session=%']], refused: { status: 401, by: guarded } },
  {
    name: 'cookies with broken encoding',
    headers: [['cookie', 'kmm_hub_session=%E0%A4%A; kmm_hub_login=%zz']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'cookie header without pairs',
    headers: [['cookie', ';;=;==;kmm_hub_session']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'session cookie twice',
    headers: [['cookie', 'kmm_hub_session=a; kmm_hub_session=%']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'two Cookie headers',
    headers: [
      ['cookie', 'kmm_hub_session=%'],
      ['cookie', 'kmm_hub_login=%'],
    ],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'session cookie of 12 kB',
    headers: [['cookie', `kmm_hub_session=${huge(12_000)}`]],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'session cookie, a JWE of garbage',
    headers: [['cookie', 'kmm_hub_session=eyJhbGciOiJkaXIifQ..@@.!!.%']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'Bearer of non-base64',
    headers: [['authorization', 'Bearer !!!$$$***']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'Bearer of a broken JWT',
    headers: [['authorization', 'Bearer eyJ@@@.e30.%%%']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'Bearer of JSON garbage',
    headers: [['authorization', `Bearer ${Buffer.from('{"alg":').toString('base64url')}.e30.x`]],
    refused: { status: 401, by: guarded },
  },
  { name: 'Bearer without a token', headers: [['authorization', 'Bearer']], refused: { status: 401, by: guarded } },
  {
    name: 'Basic credentials',
    headers: [['authorization', 'Basic YWRtaW46YWRtaW4=']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'Bearer of 12 kB',
    headers: [['authorization', `Bearer ${huge(12_000)}`]],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'two Authorization headers',
    authenticated: true,
    headers: [['authorization', 'Bearer second-one']],
    refused: { status: 401, by: guarded },
  },
  {
    name: 'headers over the server limit',
    headers: [['x-padding', huge(20_000)]],
    refused: { status: 431, by: every },
  },
  {
    name: 'query with "%"',
    authenticated: true,
    query: 'limit=%&cursor=%&state=%&returnTo=%',
    refused: { status: 400, by: (r) => lists(r) || r.path === '/auth/login' },
  },
  {
    name: 'query with broken encoding',
    authenticated: true,
    query: 'limit=%E0%A4%A&module=%zz&returnTo=%2F%',
    refused: { status: 400, by: lists },
  },
  {
    name: 'arrays where scalars belong',
    authenticated: true,
    query: 'limit=1&limit=2&cursor=a&cursor=b&returnTo=/&returnTo=/',
    refused: { status: 400, by: (r) => lists(r) || r.path === '/auth/login' },
  },
  {
    name: 'bracket arrays and objects',
    authenticated: true,
    query: 'limit[]=1&cursor[a]=b&state[]=failed',
    refused: { status: 400, by: lists },
  },
  {
    name: 'huge page size',
    authenticated: true,
    query: 'limit=100000000000000000000',
    refused: { status: 400, by: lists },
  },
  {
    name: 'a cursor this API did not hand out',
    authenticated: true,
    query: 'cursor=AAAAAAAA',
    refused: { status: 400, by: lists },
  },
  { name: 'a 4 kB cursor', authenticated: true, query: `cursor=${huge(4_000)}`, refused: { status: 400, by: lists } },
  { name: 'path with "%"', authenticated: true, path: withName('%'), refused: { status: 400, by: named } },
  {
    name: 'path with broken encoding',
    authenticated: true,
    path: withName('%E0%A4%A'),
    refused: { status: 400, by: named },
  },
  {
    name: 'path with an encoded slash and NUL',
    authenticated: true,
    path: withName('a%2F..%2F%00'),
    refused: { status: 400, by: named },
  },
  {
    name: 'invalid JSON body',
    authenticated: true,
    headers: [['content-type', 'application/json']],
    body: '{"id": ',
    refused: { status: 400, by: readsBody },
    detail: 'the request body could not be parsed',
  },
  {
    name: 'JSON body in an unknown charset',
    authenticated: true,
    headers: [['content-type', 'application/json; charset=klingon']],
    body: '{}',
    refused: { status: 415, by: readsBody },
  },
  {
    name: 'form body with broken encoding',
    authenticated: true,
    headers: [['content-type', 'application/x-www-form-urlencoded']],
    body: 'a=%&b[c]=%zz',
  },
  {
    name: 'JSON body of 200 kB',
    authenticated: true,
    headers: [['content-type', 'application/json']],
    body: JSON.stringify({ pad: huge(200_000) }),
    refused: { status: 413, by: readsBody },
  },
];

describe('malformed requests', () => {
  const log = new CapturedLog();
  let hub: ApiHub;
  let admin: string;

  beforeAll(async () => {
    hub = await startApiHub(
      apiHubEnv(env, env.oidc, env.hub.kubeconfigPath, `malformed-${process.pid}-${Date.now()}`, {
        LOG_LEVEL: 'info',
        METRICS_AUTH: 'viewer',
      }),
      { destination: log },
    );
    admin = await clientCredentialsToken(env.oidc, env.oidc.machineClients.admin);
    // /readyz answers 503 until the caches have synced: that is its state, not a refusal of the input.
    await waitUntil('hub ready', async () => (await send(hub.url, 'GET', '/readyz', [])).status === 200);
  }, 60_000);
  afterAll(() => hub?.close());

  it.each(CASES)('$name: 4xx problem+json on every route, no error logged', async (c) => {
    const from = log.lines.length;
    const answers: string[] = [];
    for (const route of ROUTES) {
      const path = c.path ? c.path(route) : route.path;
      if (path === undefined) continue;
      // An accepted event stream never ends: the stream route is sent only what it must refuse.
      if (route.stream && c.authenticated && !c.refused?.by(route)) continue;
      const target = c.query !== undefined ? `${path}?${c.query}` : path;
      const headers: [string, string][] = [
        ...(c.authenticated ? ([['authorization', `Bearer ${admin}`]] as [string, string][]) : []),
        ...(c.headers ?? []),
      ];
      const res = await send(hub.url, route.method, target, headers, c.body);
      const what = `${route.method} ${target.slice(0, 80)} → ${res.status} ${res.contentType} ${res.body.slice(0, 120)}`;
      if (res.status >= 500) answers.push(`5xx: ${what}`);
      if (res.status >= 400 && !res.contentType.startsWith('application/problem+json'))
        answers.push(`not problem+json: ${what}`);
      if (c.refused?.by(route) && res.status !== c.refused.status)
        answers.push(`expected ${c.refused.status}: ${what}`);
    }
    expect(answers).toEqual([]);
    expect(log.errorsSince(from).map((r) => r.msg)).toEqual([]);
  });
});
