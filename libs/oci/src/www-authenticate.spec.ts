import { describe, expect, it } from 'vitest';
import { findBearerChallenge, parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    ['Basic realm="basic-realm"', [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    [
      'Bearer realm="http://127.0.0.1:5003/token",service="kmm-registry",scope="repository:kmm/hello:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'http://127.0.0.1:5003/token', service: 'kmm-registry', scope: 'repository:kmm/hello:pull' },
        },
      ],
    ],
    [
      'Bearer realm="https://auth.example.com/token", service="registry", scope="repository:a/b:pull,push"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.example.com/token', service: 'registry', scope: 'repository:a/b:pull,push' },
        },
      ],
    ],
    [
      'Bearer realm="https://r/token",error="insufficient_scope", Basic realm="x"',
      [
        { scheme: 'bearer', params: { realm: 'https://r/token', error: 'insufficient_scope' } },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    ],
    ['BEARER Realm=https://r/token', [{ scheme: 'bearer', params: { realm: 'https://r/token' } }]],
    ['Basic realm="a \\"quoted\\" realm"', [{ scheme: 'basic', params: { realm: 'a "quoted" realm' } }]],
    [
      'Negotiate abc123==, Basic realm="r"',
      [
        { scheme: 'negotiate', params: {}, token68: 'abc123==' },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    ],
    ['Basic', [{ scheme: 'basic', params: {} }]],
    ['', []],
    ['Bearer realm="unterminated', [{ scheme: 'bearer', params: { realm: 'unterminated' } }]],
  ])('parses %j', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

describe('findBearerChallenge', () => {
  it('returns realm, service and scope of the first Bearer challenge', () => {
    const challenges = parseWwwAuthenticate('Basic realm="x", Bearer realm="https://r/t",service="s",scope="a b"');
    expect(findBearerChallenge(challenges)).toEqual({ realm: 'https://r/t', service: 's', scope: 'a b' });
  });

  it('ignores Bearer challenges without a realm', () => {
    expect(findBearerChallenge(parseWwwAuthenticate('Bearer error="invalid_token"'))).toBeUndefined();
  });
});
