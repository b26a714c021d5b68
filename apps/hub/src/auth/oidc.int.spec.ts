// Authentication and authorisation of the hub API against a real OpenID Connect issuer (oidc-provider): tokens
// from its token endpoint, forged and tampered tokens, key rotation, introspection of opaque tokens, the web
// sign-in (authorization code + PKCE), the session cookie and its CSRF rule, and the explicit dev mode.
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, importPKCS8, SignJWT, type JWK } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientCredentialsToken, mintToken, startOidcIssuer, type RunningOidcIssuer } from '@kmm-hub/test-env';
import { apiHubEnv, startApiHub, type ApiHub } from '../testing/fleet-under-test.testing.js';
import { signIn } from '../testing/sign-in.testing.js';
import { openEventStream } from '../testing/sse-client.testing.js';
import { SESSION_COOKIE } from './web-session.service.js';

const env = inject('env');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const UNKNOWN_BUILD = 'cd'.repeat(32);
const now = () => Math.floor(Date.now() / 1000);
const fleetAs = (url: string, token: string) =>
  request(url).get('/api/v1/fleet').set('authorization', `Bearer ${token}`);

describe('OIDC authentication of the hub API', () => {
  let hub: ApiHub;
  let admin: string;
  let viewer: string;
  let outsider: string;
  let opaque: string;
  const prefix = `oidc-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    hub = await startApiHub(apiHubEnv(env, env.oidc, env.hub.kubeconfigPath, prefix));
    const c = env.oidc.machineClients;
    [admin, viewer, outsider, opaque] = await Promise.all([
      clientCredentialsToken(env.oidc, c.admin),
      clientCredentialsToken(env.oidc, c.viewer),
      clientCredentialsToken(env.oidc, c.outsider),
      clientCredentialsToken(env.oidc, c.opaque),
    ]);
  }, 60_000);
  afterAll(() => hub?.close());

  const call = (token: string | undefined, path = '/api/v1/fleet') => {
    const r = request(hub.url).get(path);
    return token === undefined ? r : r.set('authorization', `Bearer ${token}`);
  };

  it('accepts the issuer’s tokens and maps groups to roles', async () => {
    expect((await call(viewer)).status).toBe(200);
    expect((await call(admin)).status).toBe(200);
    const me = await call(admin, '/api/v1/me');
    expect(me.body).toMatchObject({
      subject: env.oidc.machineClients.admin.clientId,
      roles: ['viewer', 'admin'],
      via: 'bearer',
      authMode: 'oidc',
      webLogin: true,
    });
    expect(Date.parse(me.body.expiresAt)).toBeGreaterThan(Date.now());
    // A token minted with every claim right is accepted: the forged ones below differ in one thing only.
    expect((await call(await mintToken(env.oidc, { groups: [env.oidc.groups.viewer] }))).status).toBe(200);
  });

  it('asks for a token, without detail, when there is none', async () => {
    const res = await call(undefined);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'authentication required',
      instance: '/api/v1/fleet',
    });
  });

  it('refuses malformed, tampered and forged tokens with the same answer', async () => {
    const issuerJwks = (await (await fetch(`${env.oidc.issuer}/jwks`)).json()) as { keys: JWK[] };
    const issuerKey = issuerJwks.keys[0]!;
    const claims = {
      iss: env.oidc.issuer,
      aud: env.oidc.audience,
      sub: 'mallory',
      iat: now(),
      exp: now() + 300,
      groups: [env.oidc.groups.admin],
    };
    const [head, body, sig] = viewer.split('.') as [string, string, string];
    const elevated = b64({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), groups: [env.oidc.groups.admin] });
    // HS256 keyed with the issuer's public key: the classic RS/HS confusion.
    const publicPem = createPublicKey({ key: issuerKey as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const hsInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: issuerKey.kid })}.${b64(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreignKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const foreign = (kid: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(foreignKey);

    const cases: [string, string][] = [
      ['garbage', 'not-a-token'],
      ['two segments', `${head}.${body}`],
      ['payload changed (groups elevated)', `${head}.${elevated}.${sig}`],
      ['signature of another token', `${head}.${body}.${admin.split('.')[2]}`],
      ['alg none', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`],
      ['HS256 signed with the issuer public key', hs256],
      ['foreign key claiming the issuer kid', await foreign(issuerKey.kid!)],
      ['unknown kid', await foreign('no-such-key')],
      ['wrong issuer', await mintToken(env.oidc, { iss: 'http://127.0.0.1:1/evil' })],
      ['wrong audience', await mintToken(env.oidc, { aud: 'urn:somebody-else' })],
      ['expired', await mintToken(env.oidc, { iat: now() - 3600, exp: now() - 600 })],
      ['not yet valid', await mintToken(env.oidc, { nbf: now() + 3600 })],
      ['opaque but unknown to the issuer', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf'],
    ];
    for (const [what, token] of cases) {
      const res = await call(token);
      expect(res.status, what).toBe(401);
      expect(res.headers['www-authenticate'], what).toBe(
        'Bearer error="invalid_token", error_description="invalid token"',
      );
      expect(res.body, what).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'invalid token',
        instance: '/api/v1/fleet',
      });
    }
    for (const header of ['Basic YTpi', 'Bearer', 'Bearer a b', `bearer  ${viewer} x`]) {
      const res = await request(hub.url).get('/api/v1/fleet').set('authorization', header);
      expect(res.status, header).toBe(401);
      expect(res.body.detail, header).toBe('invalid token');
    }
  });

  it('ends an event stream when the token it was opened with expires', async () => {
    const token = await mintToken(env.oidc, { groups: [env.oidc.groups.viewer], exp: now() + 2 });
    const stream = await openEventStream(`${hub.url}/api/v1/events`, { authorization: `Bearer ${token}` });
    expect(stream.status).toBe(200);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    await expect.poll(() => ended, { timeout: 10_000 }).toBe(true);
    expect(stream.events[0]?.type).toBe('hello');
  });

  it('checks opaque tokens by introspection', async () => {
    expect(opaque.split('.')).toHaveLength(1);
    expect((await call(opaque)).status).toBe(200);
    expect((await call(opaque, '/api/v1/me')).body).toMatchObject({
      subject: env.oidc.machineClients.opaque.clientId,
      roles: ['viewer'],
    });
    expect(
      (await request(hub.url).post(`/api/v1/builds/${UNKNOWN_BUILD}/retry`).set('authorization', `Bearer ${opaque}`))
        .status,
    ).toBe(403);
  });

  it('forbids what a role does not allow', async () => {
    const retry = (token: string) =>
      request(hub.url).post(`/api/v1/builds/${UNKNOWN_BUILD}/retry`).set('authorization', `Bearer ${token}`);
    const asViewer = await retry(viewer);
    expect(asViewer.status).toBe(403);
    expect(asViewer.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'not allowed',
      instance: `/api/v1/builds/${UNKNOWN_BUILD}/retry`,
    });
    expect((await retry(admin)).status).toBe(404);
    expect((await call(outsider)).status).toBe(403);
    expect((await call(outsider, '/api/v1/events')).status).toBe(403);
    expect((await call(outsider, '/api/v1/me')).body).toMatchObject({ roles: [] });
  });

  it('signs a browser in with the authorization-code flow and PKCE, and guards the session cookie', async () => {
    const { jar, landed, hops } = await signIn(hub.url, 'victor');
    expect(landed.href).toBe(`${hub.url}/`);
    const authorize = hops.find((u) => u.href.startsWith(env.oidc.issuer) && u.searchParams.has('code_challenge'));
    expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize?.searchParams.get('resource')).toBe(env.oidc.audience);
    const host = new URL(hub.url).host;
    const session = jar.get(host, SESSION_COOKIE);
    expect(session).toBeDefined();
    const cookie = `${SESSION_COOKIE}=${session}`;
    const me = await request(hub.url).get('/api/v1/me').set('cookie', cookie);
    expect(me.body).toMatchObject({ subject: 'victor', roles: ['viewer'], via: 'session' });
    expect((await request(hub.url).get('/api/v1/fleet').set('cookie', cookie)).status).toBe(200);

    const alice = await signIn(hub.url, 'alice');
    const aliceCookie = `${SESSION_COOKIE}=${alice.jar.get(host, SESSION_COOKIE)}`;
    const noCsrf = await request(hub.url).post(`/api/v1/builds/${UNKNOWN_BUILD}/retry`).set('cookie', aliceCookie);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.detail).toBe('x-kmm-hub-csrf header required');
    const withCsrf = await request(hub.url)
      .post(`/api/v1/builds/${UNKNOWN_BUILD}/retry`)
      .set('cookie', aliceCookie)
      .set('x-kmm-hub-csrf', '1');
    expect(withCsrf.status).toBe(404);

    const forged = await request(hub.url)
      .get('/api/v1/me')
      .set('cookie', `${SESSION_COOKIE}=${session!.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    const signedOut = await request(hub.url).get('/auth/logout').set('cookie', cookie);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers['set-cookie']?.[0]).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`),
    );
  });

  it('refuses a callback that this browser did not start, and redirects only within the site', async () => {
    const callback = await request(hub.url).get('/auth/callback?code=abc&state=def');
    expect(callback.status).toBe(400);
    expect(callback.body.detail).toBe('sign-in expired or was not started here; start again');
    for (const target of ['//evil.example/', 'https://evil.example/', '/\\evil.example'])
      expect((await request(hub.url).get(`/auth/login?returnTo=${encodeURIComponent(target)}`)).status, target).toBe(
        400,
      );
  });

  describe('with key rotation at the issuer', () => {
    let issuer: RunningOidcIssuer;
    let rotating: ApiHub;
    beforeAll(async () => {
      issuer = await startOidcIssuer();
      rotating = await startApiHub(
        apiHubEnv(env, issuer.info, env.hub.kubeconfigPath, `${prefix}-r`, {
          OIDC_JWKS_COOLDOWN_S: '0',
          METRICS_AUTH: 'viewer',
        }),
      );
    }, 60_000);
    afterAll(async () => {
      await rotating?.close();
      await issuer?.stop();
    });

    it('accepts tokens of a new key after refreshing the JWKS, and still those of the old key', async () => {
      const before = await clientCredentialsToken(issuer.info, issuer.info.machineClients.viewer);
      expect((await fleetAs(rotating.url, before)).status).toBe(200);
      const kid = await issuer.rotateKeys();
      const after = await clientCredentialsToken(issuer.info, issuer.info.machineClients.viewer);
      expect(decodeProtectedHeader(after).kid).toBe(kid);
      expect((await fleetAs(rotating.url, after)).status).toBe(200);
      expect((await fleetAs(rotating.url, before)).status).toBe(200);
      // Tokens of the environment's issuer mean nothing here.
      expect((await fleetAs(rotating.url, viewer)).status).toBe(401);
    });

    it('guards /metrics when METRICS_AUTH=viewer', async () => {
      expect((await request(rotating.url).get('/metrics')).status).toBe(401);
      const token = await clientCredentialsToken(issuer.info, issuer.info.machineClients.viewer);
      const res = await request(rotating.url).get('/metrics').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('kmm_hub_api_requests_total');
      expect((await request(rotating.url).get('/healthz')).status).toBe(200);
    });
  });

  describe('in the explicit dev mode', () => {
    let dev: ApiHub;
    beforeAll(async () => {
      dev = await startApiHub({
        HUB_ROLE: 'api',
        HUB_KUBECONFIG: env.hub.kubeconfigPath,
        REDIS_URL: env.redis.url,
        QUEUE_PREFIX: `${prefix}-dev`,
        LOG_LEVEL: 'error',
        AUTH_MODE: 'disabled',
      });
    }, 60_000);
    afterAll(() => dev?.close());

    it('lets everyone in as admin and says so on the page', async () => {
      expect((await request(dev.url).get('/api/v1/me')).body).toEqual({
        subject: 'dev-mode',
        roles: ['viewer', 'admin'],
        via: 'disabled',
        authMode: 'disabled',
        webLogin: false,
      });
      const page = await request(dev.url).get('/');
      expect(page.text).toContain('data-auth-mode="disabled"');
      expect(page.text).toContain('DEV MODE: authentication is disabled');
      expect((await request(dev.url).get('/auth/login')).status).toBe(404);
    });
  });
});
