import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeRequest, serializeResponse } from './logger-module.js';
import { isCredentialHeader, REDACTED, redactHeaders, redactQuery, redactUrl } from './redact-http.js';

describe('redactUrl', () => {
  it.each([
    [
      '/auth/callback?code=abc&state=def&iss=http%3A%2F%2Fissuer',
      '/auth/callback?code=[redacted]&state=[redacted]&iss=http%3A%2F%2Fissuer',
    ],
    [
      'https://issuer/auth?client_id=hub&state=s1&nonce=n1&code_challenge=c&redirect_uri=https%3A%2F%2Fhub%2Fauth%2Fcallback',
      'https://issuer/auth?client_id=hub&state=[redacted]&nonce=[redacted]&code_challenge=c&redirect_uri=https%3A%2F%2Fhub%2Fauth%2Fcallback',
    ],
    [
      '/x?access_token=a&refresh_token=r&id_token=i',
      '/x?access_token=[redacted]&refresh_token=[redacted]&id_token=[redacted]',
    ],
    [
      '/x?client_secret=s&code_verifier=v&session_state=z',
      '/x?client_secret=[redacted]&code_verifier=[redacted]&session_state=[redacted]',
    ],
    ['/x?Api-Key=k&X-Amz-Signature=s&token=t', '/x?Api-Key=[redacted]&X-Amz-Signature=[redacted]&token=[redacted]'],
    ['/x?%63ode=abc', '/x?%63ode=[redacted]'],
    ['/api/v1/builds?state=failed&limit=5', '/api/v1/builds?state=[redacted]&limit=5'],
    ['/cb#access_token=a&expires_in=60', '/cb#access_token=[redacted]&expires_in=60'],
    ['https://user:hunter2@registry.example/v2/', 'https://user:[redacted]@registry.example/v2/'],
    ['/plain/path', '/plain/path'],
    ['/x?%=1&code', '/x?%=1&code'],
    ['/x?a=%E0%A4%A&code=%', '/x?a=%E0%A4%A&code=[redacted]'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  const secretName = fc.constantFrom(
    'code',
    'state',
    'nonce',
    'access_token',
    'id_token',
    'client_secret',
    'x_api_key',
  );
  // Secrets as issuers and we mint them: URL-safe text; `%` encodings of other text are covered by the cases above.
  const value = fc.stringMatching(/^[A-Za-z0-9_~.%-]{8,40}$/);
  const other = fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/));

  it('never keeps the value of a secret parameter, wherever it stands', () => {
    fc.assert(
      fc.property(
        fc.webPath(),
        fc.array(other, { maxLength: 4 }),
        secretName,
        value,
        fc.nat(4),
        (path, others, name, secret, at) => {
          const pairs = others.map(([k, v]) => `${k}=${v}`).filter((p) => !p.includes(secret));
          pairs.splice(Math.min(at, pairs.length), 0, `${name}=${secret}`);
          const url = `${path}?${pairs.join('&')}`;
          fc.pre(!path.includes(secret) && !name.includes(secret));
          expect(redactUrl(url)).not.toContain(secret);
        },
      ),
    );
  });

  it('never throws and keeps every URL without secrets unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(() => redactUrl(text)).not.toThrow();
      }),
    );
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        expect(redactUrl(url)).toBe(url);
      }),
    );
  });
});

describe('redactHeaders', () => {
  it.each([
    ['authorization', 'Bearer eyJ.x.y', REDACTED],
    ['proxy-authorization', 'Basic YTpi', REDACTED],
    ['cookie', 'kmm_hub_session=abc', REDACTED],
    ['set-cookie', ['kmm_hub_session=abc; HttpOnly', 'kmm_hub_login=; Max-Age=0'], REDACTED],
    ['x-api-key', 'k', REDACTED],
    ['x-auth-token', 't', REDACTED],
    ['x-amz-security-token', 't', REDACTED],
    [
      'location',
      'http://issuer/auth?state=s&nonce=n&client_id=c',
      'http://issuer/auth?state=[redacted]&nonce=[redacted]&client_id=c',
    ],
    ['referer', 'http://hub/auth/callback?code=c', 'http://hub/auth/callback?code=[redacted]'],
    ['user-agent', 'curl/8', 'curl/8'],
    ['content-type', 'application/json', 'application/json'],
  ])('%s: %j → %j', (name, value, expected) => {
    expect(redactHeaders({ [name]: value })).toEqual({ [name]: expected });
  });

  it('redacts every header named for a credential, whatever its case or prefix', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z-]{0,6}$/),
        fc.constantFrom('Authorization', 'Cookie', 'Token', 'Api-Key', 'Secret', 'Session', 'Password'),
        fc.string({ minLength: 1 }),
        (prefix, word, secret) => {
          const name = `${prefix}${word}`.toLowerCase();
          expect(isCredentialHeader(name)).toBe(true);
          expect(JSON.stringify(redactHeaders({ [name]: secret }))).toBe(JSON.stringify({ [name]: REDACTED }));
        },
      ),
    );
  });

  it('leaves the headers it was given untouched', () => {
    const headers = { cookie: 'a=b', accept: '*/*' };
    redactHeaders(headers);
    expect(headers).toEqual({ cookie: 'a=b', accept: '*/*' });
  });
});

describe('redactQuery', () => {
  it('blanks secret parameters and keeps the rest, arrays included', () => {
    expect(redactQuery({ code: 'c', state: ['a', 'b'], limit: '5' })).toEqual({
      code: REDACTED,
      state: REDACTED,
      limit: '5',
    });
    expect(redactQuery(undefined)).toBeUndefined();
  });
});

describe('serializeRequest and serializeResponse', () => {
  it('show a request and its response without their credentials', () => {
    const req = {
      id: 1,
      method: 'GET',
      url: '/auth/callback?code=c0de&state=st4te',
      query: { code: 'c0de', state: 'st4te' },
      params: {},
      headers: { cookie: 'kmm_hub_login=l0gin', host: 'hub', authorization: 'Bearer t0ken' },
      remoteAddress: '127.0.0.1',
      remotePort: 1234,
    };
    const res = { statusCode: 302, headers: { 'set-cookie': ['kmm_hub_session=s3ss'], location: '/?x=1' } };
    const text = JSON.stringify([serializeRequest(req), serializeResponse(res)]);
    for (const secret of ['c0de', 'st4te', 'l0gin', 't0ken', 's3ss']) expect(text).not.toContain(secret);
    expect(serializeRequest(req)).toMatchObject({ method: 'GET', headers: { host: 'hub' }, remotePort: 1234 });
    expect(serializeResponse(res)).toEqual({ statusCode: 302, headers: { 'set-cookie': REDACTED, location: '/?x=1' } });
  });
});
