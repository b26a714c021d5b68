import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendModuleSignature } from './assemble-signed-module.js';
import { encodeObjectIdentifier, encodeSequence } from './der.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { encodeModuleSignatureTrailer } from './module-signature-trailer.js';
import { OID } from './oid.js';
import { parseModuleSignature } from './parse-module-signature.js';
import { signModule } from './sign-module.js';
import { readSigningCertificate } from './signing-certificate.js';
import { newModuleBytes, newSigningKey } from './signing-key.factory.js';

function withPkcs7(module: Buffer, pkcs7: Buffer): Buffer {
  return Buffer.concat([module, pkcs7, encodeModuleSignatureTrailer(pkcs7.length)]);
}

/** A copy of `signed` with one byte of `struct module_signature` (0..11) set to `value`. */
function withStructByte(signed: Buffer, index: number, value: number): Buffer {
  const copy = Buffer.from(signed);
  copy[copy.length - 28 - 12 + index] = value;
  return copy;
}

describe('parseModuleSignature', () => {
  const key = newSigningKey({ type: 'ec-p256' });
  const module = newModuleBytes(10_000);
  const signed = signModule(module, { keyPem: key.keyPem, certPem: key.certPem, hash: 'sha384' });

  it('reports an unsigned module as unsigned', () => {
    const sut = parseModuleSignature(module);

    expect(sut.signed).toBe(false);
    expect(sut.module.equals(module)).toBe(true);
  });

  it('reads signer, key id, algorithms and the PKCS#7 blob', () => {
    const sut = parseModuleSignature(signed);

    if (!sut.signed) throw new Error('expected a signed module');
    expect(sut.module.equals(module)).toBe(true);
    expect(sut.signature).toMatchObject({
      signer: 'KMM-Hub test signing key',
      keyId: '4B:4D:4D:2D:48:75:62',
      hashAlgorithm: 'sha384',
      signatureAlgorithm: 'ecdsa',
      signerIdentifier: { type: 'issuerAndSerialNumber', serialNumber: Buffer.from('4b4d4d2d487562', 'hex') },
    });
    expect(sut.signature.pkcs7.equals(signed.subarray(module.length, signed.length - 40))).toBe(true);
    expect(sut.signature.pkcs7.subarray(-sut.signature.signature.length).equals(sut.signature.signature)).toBe(true);
  });

  it.each([
    { name: 'a serial with a sign byte', serialNumber: '00ff01', keyId: 'FF:01' },
    { name: 'a one-byte serial', serialNumber: '05', keyId: '05' },
    { name: 'a 20-byte serial', serialNumber: '7f'.repeat(20), keyId: Array(20).fill('7F').join(':') },
  ])('prints the key id of $name as modinfo does', ({ serialNumber, keyId }) => {
    const rsa = newSigningKey({ serialNumber: Buffer.from(serialNumber, 'hex') });

    const sut = parseModuleSignature(signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem }));

    expect(sut).toMatchObject({ signed: true, signature: { keyId } });
  });

  it('reads a non-ASCII common name', () => {
    const rsa = newSigningKey({ commonName: 'Prüfschlüssel für Module' });

    const sut = parseModuleSignature(signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem }));

    expect(sut).toMatchObject({ signed: true, signature: { signer: 'Prüfschlüssel für Module' } });
  });

  it('reads the outer signature of a module signed twice', () => {
    const cert = readSigningCertificate({ certPem: key.certPem });
    const twice = appendModuleSignature(signed, cert, 'sha256', sign('sha256', signed, key.privateKey), undefined);

    const sut = parseModuleSignature(twice);

    expect(sut).toMatchObject({ signed: true, signature: { hashAlgorithm: 'sha256' } });
    expect(sut.module.equals(signed)).toBe(true);
  });

  it.each([
    { name: 'a pre-4.3 id_type', bytes: () => withStructByte(signed, 2, 1) },
    { name: 'a non-zero algo', bytes: () => withStructByte(signed, 0, 1) },
    { name: 'a non-zero padding byte', bytes: () => withStructByte(signed, 6, 1) },
    { name: 'a signature length past the start', bytes: () => withStructByte(signed, 8, 0xff) },
    { name: 'a PKCS#7 blob that is not DER', bytes: () => withPkcs7(module, Buffer.from('not der at all')) },
    { name: 'a truncated PKCS#7 blob', bytes: () => withPkcs7(module, parsedPkcs7().subarray(0, 100)) },
    {
      name: 'a ContentInfo that is not signedData',
      bytes: () => withPkcs7(module, encodeSequence(encodeObjectIdentifier(OID.data))),
    },
  ])('throws MalformedSignature for $name', ({ bytes }) => {
    expect(() => parseModuleSignature(bytes())).toThrow(
      expect.objectContaining({ name: KmodSignError.name, code: KmodSignErrorCode.MalformedSignature }),
    );
  });

  function parsedPkcs7(): Buffer {
    const parsed = parseModuleSignature(signed);
    if (!parsed.signed) throw new Error('expected a signed module');
    return parsed.signature.pkcs7;
  }
});
