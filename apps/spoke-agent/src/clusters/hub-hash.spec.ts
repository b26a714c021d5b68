import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hubHashOf } from './hub-hash.js';

describe('hubHashOf', () => {
  it('is the hex sha256 of the URL exactly as written, 64 characters (OCM HubHash)', () => {
    const sut = hubHashOf('https://hub.example.com:6443');
    expect(sut).toMatch(/^[0-9a-f]{64}$/);
    expect(sut).toBe(createHash('sha256').update('https://hub.example.com:6443').digest('hex'));
    expect(hubHashOf('https://hub.example.com:6443/')).not.toBe(sut);
  });
});
