import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_LIFETIME_S, parseTokenResponse, tokenRequestUrl } from './registry-auth.js';

describe('tokenRequestUrl', () => {
  it.each([
    [
      'https://auth.example/token',
      'registry.example',
      ['repository:kmm/gpu:pull'],
      'https://auth.example/token?service=registry.example&scope=repository%3Akmm%2Fgpu%3Apull',
    ],
    [
      'https://auth.example/token?client=x',
      undefined,
      ['repository:a:pull', 'repository:b:pull,push'],
      'https://auth.example/token?client=x&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull%2Cpush',
    ],
    ['http://127.0.0.1:5000/auth', 'svc', [], 'http://127.0.0.1:5000/auth?service=svc'],
    ['/token', 'svc', [], 'invalid: the Bearer realm is not a URL'],
    ['ftp://auth.example/token', 'svc', [], 'invalid: the Bearer realm is not an http(s) URL'],
  ])('for realm %s, service %s and scopes %j asks %s', (realm, service, scope, expected) => {
    expect(String(tokenRequestUrl(realm, service, scope))).toBe(expected);
  });
});

describe('parseTokenResponse', () => {
  it.each([
    ['{"token":"t1","expires_in":300}', { token: 't1', expiresInS: 300 }],
    ['{"access_token":"t2","expires_in":120}', { token: 't2', expiresInS: 120 }],
    ['{"token":"t3","access_token":"other"}', { token: 't3', expiresInS: DEFAULT_TOKEN_LIFETIME_S }],
    ['{"token":"t4","expires_in":0}', { token: 't4', expiresInS: DEFAULT_TOKEN_LIFETIME_S }],
    ['{"token":"t5","expires_in":"300"}', { token: 't5', expiresInS: DEFAULT_TOKEN_LIFETIME_S }],
    ['{"token":""}', undefined],
    ['{"token":42}', undefined],
    ['{}', undefined],
    ['["t"]', undefined],
    ['not json', undefined],
  ])('reads %s as %j', (body, expected) => {
    expect(parseTokenResponse(Buffer.from(body))).toEqual(expected);
  });
});
