import { describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODE, RegistryError, isTransientStatus, parseRegistryErrorBody } from './registry-error.js';

describe(RegistryError.name, () => {
  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [404, false],
    [401, false],
    [400, false],
  ])('status %i is transient: %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
    expect(new RegistryError({ registry: 'r', operation: 'op', status }).transient).toBe(transient);
  });

  it('says what failed, where, and why', () => {
    const sut = new RegistryError({
      registry: 'quay.io',
      operation: 'HEAD manifest kmm/x:v1',
      status: 401,
      code: 'UNAUTHORIZED',
      detail: 'authentication required',
    });
    expect(sut.message).toBe('registry quay.io: HEAD manifest kmm/x:v1: 401 UNAUTHORIZED authentication required');
    expect(sut).toMatchObject({ status: 401, code: 'UNAUTHORIZED', registry: 'quay.io', transient: false });
  });

  it('lets the caller set transient for failures without a status', () => {
    const cause = new Error('ECONNREFUSED');
    const sut = new RegistryError({
      registry: 'r',
      operation: 'ping',
      code: CLIENT_ERROR_CODE.NETWORK,
      transient: true,
      cause,
    });
    expect(sut.transient).toBe(true);
    expect(sut.cause).toBe(cause);
    expect(new RegistryError({ registry: 'r', operation: 'ping' }).transient).toBe(false);
  });
});

describe('parseRegistryErrorBody', () => {
  it.each([
    [
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}',
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
    ],
    ['{"errors":[{"code":"NAME_UNKNOWN"}]}', { code: 'NAME_UNKNOWN' }],
    ['{"errors":[]}', undefined],
    ['404 page not found', undefined],
    ['', undefined],
  ])('reads %j', (text, expected) => {
    expect(parseRegistryErrorBody(text)).toEqual(expected);
  });
});
