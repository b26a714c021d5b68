import { describe, expect, it } from 'vitest';
import { bodyErrorDetail, clientErrorStatus, problemDetails, rawProblemResponse } from './problem-details.js';

describe('problemDetails', () => {
  it('titles the status and leaves out an unknown instance', () => {
    expect(problemDetails(401, 'invalid token', '/api/v1/fleet')).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'invalid token',
      instance: '/api/v1/fleet',
    });
    expect(problemDetails(431, 'too large', undefined)).not.toHaveProperty('instance');
  });
});

describe('clientErrorStatus', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['HPE_INVALID_METHOD', 400],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    [undefined, 400],
  ])('%s → %i', (code, status) => {
    expect(clientErrorStatus(code)).toBe(status);
  });
});

describe('bodyErrorDetail', () => {
  it.each([
    ['entity.parse.failed', 'the request body could not be parsed'],
    ['entity.too.large', 'the request body is too large'],
    ['no.such.type', undefined],
    [undefined, undefined],
  ])('%s → %s', (type, detail) => {
    expect(bodyErrorDetail(type)).toBe(detail);
  });
});

describe('rawProblemResponse', () => {
  it('is a complete HTTP/1.1 response whose Content-Length counts the body in bytes', () => {
    const text = rawProblemResponse(problemDetails(431, 'größe', undefined));
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large',
      'Content-Type: application/problem+json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body)).toMatchObject({ status: 431, detail: 'größe' });
  });
});
