import { describe, expect, it } from 'vitest';
import { parseHubConfig } from '../config/config.schema.js';
import { asymmetricAlgorithms, authSettingsFromConfig } from './auth-settings.js';

const OIDC = {
  OIDC_ISSUER_URL: 'https://issuer.example',
  OIDC_AUDIENCE: 'urn:kmm-hub:api',
};

describe('authSettingsFromConfig', () => {
  it('lists every problem at once', () => {
    const result = authSettingsFromConfig(
      parseHubConfig({
        OIDC_ISSUER_URL: 'http://issuer.example',
        OIDC_INTROSPECTION: 'true',
        OIDC_ALGORITHMS: 'RS256,HS256,none',
        OIDC_SESSION_SECRET: 'x'.repeat(32),
      }),
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        'OIDC_AUDIENCE: required unless AUTH_MODE=disabled',
        'OIDC_ISSUER_URL: http:// needs OIDC_ALLOW_HTTP=true (loopback tests only)',
        'OIDC_INTROSPECTION: needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET',
        'OIDC_ALGORITHMS: HS256, none not allowed (only asymmetric signatures are accepted)',
        'OIDC_SESSION_SECRET and OIDC_CLIENT_ID: web sign-in needs both (or neither)',
      ],
    });
  });

  it('needs an issuer unless authentication is disabled explicitly', () => {
    expect(authSettingsFromConfig(parseHubConfig({}))).toMatchObject({ ok: false });
    expect(authSettingsFromConfig(parseHubConfig({ AUTH_MODE: 'disabled' }))).toEqual({
      ok: true,
      settings: { mode: 'disabled' },
    });
  });

  it('turns web sign-in on with a client id and a session secret, and reads role groups', () => {
    const result = authSettingsFromConfig(
      parseHubConfig({
        ...OIDC,
        OIDC_CLIENT_ID: 'hub',
        OIDC_SESSION_SECRET: 's'.repeat(40),
        OIDC_ADMIN_GROUPS: 'ops, platform',
        OIDC_INTROSPECTION: 'false',
      }),
    );
    if (!result.ok || result.settings.mode !== 'oidc') throw new Error('expected oidc settings');
    expect(result.settings.oidc.webLogin?.clientId).toBe('hub');
    expect(result.settings.oidc.webLogin?.sessionKey).toHaveLength(32);
    expect(result.settings.oidc.adminGroups).toEqual(['ops', 'platform']);
    expect(result.settings.oidc.viewerGroups).toEqual(['kmm-hub-viewers']);
    expect(result.settings.oidc.introspection).toBe(false);
  });

  it('leaves web sign-in off without a client', () => {
    const result = authSettingsFromConfig(parseHubConfig(OIDC));
    expect(result.ok && result.settings.mode === 'oidc' && result.settings.oidc.webLogin).toBe(undefined);
  });
});

describe('asymmetricAlgorithms', () => {
  it('drops none and HMAC algorithms', () => {
    expect(asymmetricAlgorithms(['RS256', 'none', 'HS256', 'ES256', 'PS384', 'EdDSA', 'HS512'])).toEqual([
      'RS256',
      'ES256',
      'PS384',
      'EdDSA',
    ]);
    expect(asymmetricAlgorithms(undefined)).toEqual([]);
  });
});
