import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientCredentialsToken, mintToken, startOidcIssuer, type RunningOidcIssuer } from './oidc-issuer.js';

describe('test OIDC issuer', () => {
  const env = inject('env');
  let own: RunningOidcIssuer;
  beforeAll(async () => {
    own = await startOidcIssuer();
  });
  afterAll(() => own.stop());

  it('issues RFC 9068 JWT access tokens with the client groups for client_credentials', async () => {
    const { oidc } = env;
    const token = await clientCredentialsToken(oidc, oidc.machineClients.viewer);
    const jwks = createRemoteJWKSet(new URL(`${oidc.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: oidc.issuer,
      audience: oidc.audience,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: oidc.machineClients.viewer.clientId, groups: [oidc.groups.viewer] });
  });

  it('issues opaque tokens to the opaque client, which introspection resolves with their groups', async () => {
    const { oidc } = env;
    const token = await clientCredentialsToken(oidc, oidc.machineClients.opaque);
    expect(token.split('.')).toHaveLength(1);
    const res = await fetch(`${oidc.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${oidc.clientId}:${oidc.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    expect(await res.json()).toMatchObject({ active: true, aud: oidc.audience, groups: [oidc.groups.viewer] });
  });

  it('mints tokens with chosen claims signed by the published key', async () => {
    const token = await mintToken(env.oidc, { sub: 'someone', exp: 1 });
    const jwks = createRemoteJWKSet(new URL(`${env.oidc.issuer}/jwks`));
    await expect(jwtVerify(token, jwks, { issuer: env.oidc.issuer })).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
  });

  it('rotates to a new signing key and keeps the old one published', async () => {
    const before = decodeProtectedHeader(await clientCredentialsToken(own.info, own.info.machineClients.admin)).kid;
    const kid = await own.rotateKeys();
    const after = decodeProtectedHeader(await clientCredentialsToken(own.info, own.info.machineClients.admin)).kid;
    expect(after).toBe(kid);
    expect(after).not.toBe(before);
    const jwks = (await (await fetch(`${own.info.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid, before]);
  });
});
