import { describe, expect, it } from 'vitest';
import { parseHubConfig } from './config.schema.js';

describe('parseHubConfig', () => {
  it.each([
    ['neither admission file', {}, undefined],
    ['both admission files', { ADMISSION_TLS_CERT_FILE: '/c', ADMISSION_TLS_KEY_FILE: '/k' }, '/c'],
  ])('accepts %s', (_, env, certFile) => {
    expect(parseHubConfig(env).ADMISSION_TLS_CERT_FILE).toBe(certFile);
  });

  it('refuses an admission certificate without its key, naming both settings', () => {
    expect(() => parseHubConfig({ ADMISSION_TLS_CERT_FILE: '/c' })).toThrow(
      'invalid hub configuration: ADMISSION_TLS_KEY_FILE: ADMISSION_TLS_CERT_FILE and ADMISSION_TLS_KEY_FILE go together',
    );
  });
});
