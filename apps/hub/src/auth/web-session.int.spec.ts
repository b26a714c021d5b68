// The web session against the real OpenID Connect issuer: no secret of the sign-in (cookies, code, state, nonce,
// PKCE verifier, tokens, client and session secrets) reaches the hub's log, and signing out ends a session for every
// copy of its cookie on every API replica.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtDecrypt } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENV_DIR_PREFIX, ProcessGroup, startRedis, waitUntil, type RunningRedis } from '@kmm-hub/test-env';
import { apiHubEnv, SESSION_SECRET, startApiHub, type ApiHub } from '../testing/fleet-under-test.testing.js';
import { CapturedLog } from '../testing/log-capture.testing.js';
import { signIn } from '../testing/sign-in.testing.js';
import { openEventStream } from '../testing/sse-client.testing.js';
import { LOGIN_COOKIE, SESSION_COOKIE } from './web-session.service.js';

const env = inject('env');
const sessionKey = new Uint8Array(createHash('sha256').update(SESSION_SECRET).digest());
const unseal = async (sealed: string) => (await jwtDecrypt(sealed, sessionKey)).payload;
/** A compact JWS or JWE (a token, an ID token, a sealed cookie) in any form. */
const COMPACT_JOSE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/;
/** Event streams check their session at every heartbeat. */
const fastHeartbeat = { API_EVENTS_HEARTBEAT_S: '1' };

describe('web session', () => {
  const log = new CapturedLog();
  let hub: ApiHub;
  let replica: ApiHub;
  const prefix = `web-session-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    // Trace level: every line the hub can write for these requests is written and scanned.
    hub = await startApiHub(
      apiHubEnv(env, env.oidc, env.hub.kubeconfigPath, prefix, { LOG_LEVEL: 'trace', ...fastHeartbeat }),
      {
        destination: log,
      },
    );
    // A second API replica sharing Redis and the session secret, as `api` Deployments with several replicas do.
    replica = await startApiHub(apiHubEnv(env, env.oidc, env.hub.kubeconfigPath, prefix, fastHeartbeat));
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await replica?.close();
  });

  it('writes no secret of a sign-in to its log', async () => {
    const { jar, hops } = await signIn(hub.url, 'victor');
    const host = new URL(hub.url).host;
    const session = jar.get(host, SESSION_COOKIE)!;
    const [login] = jar.seen(host, LOGIN_COOKIE);
    const authorize = hops.find((u) => u.searchParams.has('code_challenge'))!;
    const callback = hops.find((u) => u.pathname === '/auth/callback')!;
    const loginState = await unseal(login!);
    const accessToken = (await unseal(session))['at'] as string;
    // The same secrets in the request direction: a cookie, a bearer token, a replayed callback.
    expect((await request(hub.url).get('/api/v1/me').set('cookie', `${SESSION_COOKIE}=${session}`)).status).toBe(200);
    expect((await request(hub.url).get('/api/v1/me').set('authorization', `Bearer ${accessToken}`)).status).toBe(200);
    const replayed = await request(hub.url)
      .get(`${callback.pathname}${callback.search}`)
      .set('cookie', `${LOGIN_COOKIE}=${login}`);
    expect(replayed.status).toBe(401);

    const secrets: Record<string, string> = {
      'session cookie': session,
      'login cookie': login!,
      code: callback.searchParams.get('code')!,
      state: callback.searchParams.get('state')!,
      nonce: authorize.searchParams.get('nonce')!,
      'PKCE verifier': loginState['verifier'] as string,
      'access token': accessToken,
      'client secret': env.oidc.clientSecret,
      'session secret': SESSION_SECRET,
    };
    for (const [what, value] of Object.entries(secrets)) expect(value.length, what).toBeGreaterThan(8);
    expect(log.lines.length).toBeGreaterThan(5);
    const leaks = log.lines.flatMap((line, i) => [
      ...Object.entries(secrets)
        .filter(([, value]) => line.includes(value))
        .map(([what]) => `line ${i}: ${what}`),
      ...(COMPACT_JOSE.test(line) ? [`line ${i}: a JWS/JWE (token, ID token or sealed cookie)`] : []),
    ]);
    expect(leaks).toEqual([]);
    // The lines are still useful: the callback is logged, with its secret parameters blanked.
    const urls = log.records().map((r) => (r['req'] as { url?: string } | undefined)?.url ?? '');
    expect(urls.find((u) => u.startsWith('/auth/callback'))).toMatch(/code=\[redacted\]/);
  });

  it('signs a session out for every copy of its cookie, on every replica', async () => {
    const host = new URL(hub.url).host;
    const cookieOf = async (user: string) =>
      `${SESSION_COOKIE}=${(await signIn(hub.url, user)).jar.get(host, SESSION_COOKIE)}`;
    const copied = await cookieOf('victor');
    const other = await cookieOf('victor');
    const me = (url: string, cookie: string) => request(url).get('/api/v1/me').set('cookie', cookie);
    expect((await me(hub.url, copied)).status).toBe(200);
    expect((await me(replica.url, copied)).status).toBe(200);
    const stream = await openEventStream(`${replica.url}/api/v1/events`, { cookie: copied });
    expect(stream.status).toBe(200);

    const signedOut = await request(hub.url).get('/auth/logout').set('cookie', copied);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers['set-cookie']?.[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=; Path=/; Max-Age=0;`));

    for (const url of [hub.url, replica.url]) {
      const replayed = await me(url, copied);
      expect(replayed.status, url).toBe(401);
      expect(replayed.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      expect(replayed.body.detail, url).toBe('invalid token');
      expect((await request(url).get('/api/v1/events').set('cookie', copied)).status, url).toBe(401);
    }
    // The stream opened with the copy before sign-out ends at its next heartbeat.
    const ended = await Promise.race([
      stream.ended.then(() => 'ended'),
      new Promise((r) => setTimeout(() => r('still open'), 10_000)),
    ]);
    stream.close();
    expect(ended).toBe('ended');
    // Another session of the same user is not affected.
    expect((await me(replica.url, other)).status).toBe(200);
  });

  describe('while its Redis does not answer', () => {
    // A Redis of this test alone, so it can be stopped.
    let group: ProcessGroup;
    let redis: RunningRedis;
    let lonely: ApiHub;
    beforeAll(async () => {
      group = new ProcessGroup(mkdtempSync(join(tmpdir(), `${ENV_DIR_PREFIX}web-session-redis-`)));
      redis = await startRedis(group, group.workDir);
      lonely = await startApiHub(
        apiHubEnv(env, env.oidc, env.hub.kubeconfigPath, `${prefix}-r`, { REDIS_URL: redis.url }),
      );
    }, 60_000);
    afterAll(async () => {
      // Redis back first: the hub's queue connections close cleanly only against a live server.
      const { exitCode, signalCode } = redis.proc.child;
      if (exitCode !== null || signalCode !== null) redis = await startRedis(group, group.workDir, redis.port);
      await lonely?.close().catch(() => undefined);
      await group?.stopAll();
      if (group) rmSync(group.workDir, { recursive: true, force: true });
    });

    it('refuses cookie sessions with 503 rather than trusting a session it cannot check', async () => {
      const { jar } = await signIn(lonely.url, 'victor');
      const sealed = jar.get(new URL(lonely.url).host, SESSION_COOKIE)!;
      const cookie = `${SESSION_COOKIE}=${sealed}`;
      const accessToken = (await unseal(sealed))['at'] as string;
      expect((await request(lonely.url).get('/api/v1/me').set('cookie', cookie)).status).toBe(200);
      await group.stop(redis.proc);

      const refused = await request(lonely.url).get('/api/v1/me').set('cookie', cookie);
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const bearer = await request(lonely.url).get('/api/v1/me').set('authorization', `Bearer ${accessToken}`);
      expect(bearer.status).toBe(200);
      redis = await startRedis(group, group.workDir, redis.port);
      await waitUntil('cookie sessions accepted again', async () => {
        return (await request(lonely.url).get('/api/v1/me').set('cookie', cookie)).status === 200;
      });
    });
  });
});
