import { describe, expect, it } from 'vitest';
import { REDACTED, redactObject, redactText } from './redact.js';

describe('redactText', () => {
  it.each([
    ['redis://:s3cr3t-pw@redis.kmm-hub.svc:6379', `redis://${REDACTED}@redis.kmm-hub.svc:6379`],
    ['pull https://robot:hunter2hunter2@quay.io/v2/', `pull https://${REDACTED}@quay.io/v2/`],
    ['authorization: Bearer abcdefgh12345678', `authorization: Bearer ${REDACTED}`],
    ['Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
    ['token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end', `token ${REDACTED} end`],
    ['{"client_secret":"abc123","x":1}', `{"client_secret":"${REDACTED}","x":1}`],
    ['OIDC_CLIENT_SECRET=abc123 LOG_LEVEL=info', `OIDC_CLIENT_SECRET="${REDACTED}" LOG_LEVEL=info`],
    ['password: hunter2', `password: "${REDACTED}"`],
    ['key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- done', `key ${REDACTED} done`],
    ['reconciled gpu-driver on 3 clusters', 'reconciled gpu-driver on 3 clusters'],
    ['http://kmm-hub-api.kmm-hub.svc/readyz', 'http://kmm-hub-api.kmm-hub.svc/readyz'],
  ])('%j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });
});

describe('redactObject', () => {
  it('replaces the data of a Secret, keeping its keys', () => {
    expect(
      redactObject({ kind: 'Secret', metadata: { name: 's' }, data: { 'tls.key': 'AAAA' }, stringData: { a: 'b' } }),
    ).toEqual({
      kind: 'Secret',
      metadata: { name: 's' },
      data: { 'tls.key': REDACTED },
      stringData: { a: REDACTED },
    });
  });

  it.each([
    [
      { name: 'OIDC_CLIENT_SECRET', value: 'abc' },
      { name: 'OIDC_CLIENT_SECRET', value: REDACTED },
    ],
    [
      { name: 'REDIS_PASSWORD', value: 'abc' },
      { name: 'REDIS_PASSWORD', value: REDACTED },
    ],
    [
      { name: 'API_TOKEN', value: 'abc' },
      { name: 'API_TOKEN', value: REDACTED },
    ],
    [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    [
      { name: 'REDIS_URL', value: 'redis://:pw@redis:6379' },
      { name: 'REDIS_URL', value: `redis://${REDACTED}@redis:6379` },
    ],
  ])('redacts env entry %j by its name', (entry, expected) => {
    expect(redactObject({ env: [entry] })).toEqual({ env: [expected] });
  });

  it.each([
    [{ clientSecret: 'abc' }, { clientSecret: REDACTED }],
    [{ client_secret: 'abc' }, { client_secret: REDACTED }],
    [{ password: 'abc' }, { password: REDACTED }],
    [{ privateKey: 'abc' }, { privateKey: REDACTED }],
    [{ '.dockerconfigjson': 'abc' }, { '.dockerconfigjson': REDACTED }],
    // References to secrets name them only: kept.
    [{ secretName: 'pull-secret' }, { secretName: 'pull-secret' }],
    [{ imageRepoSecret: { name: 'pull-secret' } }, { imageRepoSecret: { name: 'pull-secret' } }],
    [{ keySecret: { name: 'signing-key' } }, { keySecret: { name: 'signing-key' } }],
    [{ tokenSecretRef: 'hub-token' }, { tokenSecretRef: 'hub-token' }],
    [
      { replicas: 2, ready: true, message: 'ok' },
      { replicas: 2, ready: true, message: 'ok' },
    ],
  ])('%j', (value, expected) => {
    expect(redactObject(value)).toEqual(expected);
  });

  it('redacts a Secret embedded in a ManifestWork', () => {
    const work = { spec: { workload: { manifests: [{ kind: 'Secret', data: { '.dockerconfigjson': 'eyJh' } }] } } };
    expect(redactObject(work)).toEqual({
      spec: { workload: { manifests: [{ kind: 'Secret', data: { '.dockerconfigjson': REDACTED } }] } },
    });
  });
});
