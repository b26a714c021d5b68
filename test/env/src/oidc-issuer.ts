// A real OpenID Connect issuer for the test environment: `oidc-provider` (the certified Node implementation) on a
// free loopback port, serving discovery, JWKS, the token endpoint (client_credentials with JWT access tokens),
// introspection (opaque tokens), and the authorization-code flow with PKCE for the hub's web page. The one login
// step is a minimal interaction that signs in the account named by `login_hint` (or the default one) without a
// form, so a headless browser can run the whole flow.
//
// Two test-only helpers sit beside the provider and are not part of any OIDC flow:
//   POST /test/mint   signs arbitrary claims with the issuer's current key (expired, not-yet-valid, wrong audience…)
//   rotateKeys()      (in-process handle only) a new signing key; the old one stays published for verification
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import type { OidcIssuerInfo, OidcMachineClient } from './env-state.js';
import { freePort } from './ports.js';

export interface RunningOidcIssuer {
  info: OidcIssuerInfo;
  /** Signs a token with the current key; `claims` override the defaults (iss, aud, sub, iat, exp, groups). */
  mint(claims?: Record<string, unknown>, header?: { kid?: string }): Promise<string>;
  /** Makes a new key the signing key; the previous keys stay in the JWKS. Returns the new kid. */
  rotateKeys(): Promise<string>;
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
}

const ALG = 'RS256';
const AUDIENCE = 'urn:kmm-hub:api';
const GROUPS = { admin: 'kmm-hub-admins', viewer: 'kmm-hub-viewers' } as const;
const RESOURCE_SCOPES = 'fleet:read fleet:write';

const HUB_CLIENT = { clientId: 'kmm-hub', clientSecret: 'kmm-hub-client-secret', redirectPath: '/auth/callback' };

const MACHINE_CLIENTS: Record<'admin' | 'viewer' | 'outsider' | 'opaque', OidcMachineClient> = {
  admin: { clientId: 'fleet-admin-bot', clientSecret: 'admin-bot-secret', groups: [GROUPS.admin] },
  viewer: { clientId: 'fleet-viewer-bot', clientSecret: 'viewer-bot-secret', groups: [GROUPS.viewer] },
  outsider: { clientId: 'outsider-bot', clientSecret: 'outsider-bot-secret', groups: ['somebody-else'] },
  /** Gets opaque access tokens, which only introspection can check. */
  opaque: { clientId: 'opaque-viewer-bot', clientSecret: 'opaque-bot-secret', groups: [GROUPS.viewer] },
};

const USERS: Record<string, { name: string; groups: string[] }> = {
  alice: { name: 'Alice Admin', groups: [GROUPS.admin] },
  victor: { name: 'Victor Viewer', groups: [GROUPS.viewer] },
};
const DEFAULT_USER = 'alice';

async function newSigningKey(n: number): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `test-key-${n}-${Date.now().toString(36)}`;
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' } };
}

/** The groups claim of a token: the machine client's groups, or the signed-in user's. */
function groupsOf(token: { kind: string; clientId?: string; accountId?: string }): string[] {
  if (token.kind === 'ClientCredentials') {
    return Object.values(MACHINE_CLIENTS).find((c) => c.clientId === token.clientId)?.groups ?? [];
  }
  return USERS[token.accountId ?? '']?.groups ?? [];
}

function configuration(keys: SigningKey[]): Configuration {
  const machine = Object.values(MACHINE_CLIENTS).map((c) => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  }));
  return {
    jwks: { keys: keys.map((k) => k.privateJwk) as never },
    clients: [
      {
        client_id: HUB_CLIENT.clientId,
        client_secret: HUB_CLIENT.clientSecret,
        // A loopback redirect URI of a native client matches on any port (RFC 8252 §7.3): hubs under test listen
        // on ports chosen at run time.
        application_type: 'native',
        redirect_uris: [`http://127.0.0.1${HUB_CLIENT.redirectPath}`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ...machine,
    ],
    scopes: ['openid', 'profile', ...RESOURCE_SCOPES.split(' ')],
    claims: { openid: ['sub'], profile: ['name', 'groups'] },
    findAccount: (_ctx, sub) => {
      const user = USERS[sub];
      if (!user) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: user.name, groups: user.groups }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: RESOURCE_SCOPES,
          audience: AUDIENCE,
          accessTokenTTL: 600,
          accessTokenFormat: client.clientId === MACHINE_CLIENTS.opaque.clientId ? 'opaque' : 'jwt',
          jwt: { sign: { alg: ALG } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => ({ groups: groupsOf(token) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startOidcIssuer(opts: { port?: number } = {}): Promise<RunningOidcIssuer> {
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const keys: SigningKey[] = [await newSigningKey(1)];
  let provider = new Provider(issuer, configuration(keys));
  let handler = provider.callback();

  const mint = async (claims: Record<string, unknown> = {}, header: { kid?: string } = {}): Promise<string> => {
    const key = keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const privateKey = await importJWK(key.privateJwk, ALG);
    const body = { iss: issuer, aud: AUDIENCE, sub: 'minted', iat: now, exp: now + 300, groups: [GROUPS.admin] };
    return new SignJWT({ ...body, ...claims })
      .setProtectedHeader({ alg: ALG, typ: 'at+jwt', kid: header.kid ?? key.kid })
      .sign(privateKey);
  };

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const hint = typeof details.params['login_hint'] === 'string' ? details.params['login_hint'] : '';
    if (details.prompt.name === 'login') {
      const accountId = hint in USERS ? hint : DEFAULT_USER;
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    // consent: grant what was asked for (first-party client).
    const prompt = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session?.accountId ?? DEFAULT_USER,
          clientId: `${details.params['client_id']}`,
        });
    if (!grant) throw new Error('grant vanished');
    if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
    if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(prompt.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const fail = (err: unknown) => {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end(err instanceof Error ? err.message : String(err));
    };
    if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
      interaction(req, res).catch(fail);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/test/mint') {
      readJson(req)
        .then(async (body) => {
          const token = await mint(
            (body['claims'] ?? {}) as Record<string, unknown>,
            (body['header'] ?? {}) as { kid?: string },
          );
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ access_token: token }));
        })
        .catch(fail);
      return;
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const info: OidcIssuerInfo = {
    issuer,
    audience: AUDIENCE,
    clientId: HUB_CLIENT.clientId,
    clientSecret: HUB_CLIENT.clientSecret,
    redirectPath: HUB_CLIENT.redirectPath,
    groupsClaim: 'groups',
    groups: { ...GROUPS },
    machineClients: MACHINE_CLIENTS,
    users: Object.fromEntries(Object.entries(USERS).map(([id, u]) => [id, { groups: u.groups }])),
    defaultUser: DEFAULT_USER,
    mintUrl: `${issuer}/test/mint`,
  };
  return {
    info,
    mint,
    rotateKeys: async () => {
      const key = await newSigningKey(keys.length + 1);
      keys.unshift(key);
      provider = new Provider(issuer, configuration(keys));
      handler = provider.callback();
      return key.kid;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client_credentials access token from the issuer's token endpoint. */
export async function clientCredentialsToken(info: OidcIssuerInfo, client: OidcMachineClient): Promise<string> {
  const discovery = (await (await fetch(`${info.issuer}/.well-known/openid-configuration`)).json()) as {
    token_endpoint: string;
  };
  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: info.audience, scope: 'fleet:read' }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`token endpoint answered ${res.status}: ${body.error ?? ''} ${body.error_description ?? ''}`);
  return body.access_token;
}

/** A token signed by the environment's issuer with the given claims (test-only endpoint of the issuer). */
export async function mintToken(
  info: OidcIssuerInfo,
  claims: Record<string, unknown> = {},
  header: { kid?: string } = {},
): Promise<string> {
  const res = await fetch(info.mintUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ claims, header }),
  });
  if (!res.ok) throw new Error(`mint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
