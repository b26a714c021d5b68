import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, createServingCert } from './pki.js';

describe('test PKI', () => {
  let root: string;
  let ca: ReturnType<typeof createCertificateAuthority>;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kmm-hub-pki-'));
    ca = createCertificateAuthority(join(root, 'ca'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('signs serving certificates without writing to the CA folder, which parallel test workers share', () => {
    const before = readdirSync(join(root, 'ca')).toSorted();
    createServingCert(ca, join(root, 'a'), 'apiserver');
    // A serial file beside the CA (openssl -CAcreateserial) is rewritten by every signature; two workers signing at
    // once read it half-written and fail.
    expect(readdirSync(join(root, 'ca')).toSorted()).toEqual(before);
  });

  it('gives every certificate its own positive serial, valid for 127.0.0.1 and localhost, chained to the CA', () => {
    const serials = new Set<string>();
    for (const name of ['one', 'two', 'three']) {
      const { certPath } = createServingCert(ca, join(root, name), name);
      const cert = new X509Certificate(readFileSync(certPath));
      expect(cert.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(Number.parseInt(cert.serialNumber.slice(0, 1), 16)).toBeLessThan(8);
      serials.add(cert.serialNumber);
      execFileSync('openssl', ['verify', '-CAfile', ca.certPath, certPath], { stdio: 'pipe' });
    }
    expect(serials.size).toBe(3);
  });
});
