import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeDetachedSignedData } from './cms-signed-data.js';
import {
  TAG,
  contextTag,
  encodeElement,
  encodeNull,
  encodeObjectIdentifier,
  encodeOctetString,
  encodeSequence,
  encodeSetOfOne,
  encodeSmallInteger,
} from './der.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { encodeModuleSignatureTrailer } from './module-signature-trailer.js';
import { OID } from './oid.js';
import { signModule } from './sign-module.js';
import { readSigningCertificate } from './signing-certificate.js';
import { newModuleBytes, newSigningKey } from './signing-key.factory.js';
import { VerifyFailureReason, verifyModuleSignature } from './verify-module-signature.js';

function withPkcs7(module: Buffer, pkcs7: Buffer): Buffer {
  return Buffer.concat([module, pkcs7, encodeModuleSignatureTrailer(pkcs7.length)]);
}

function flipped(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index < 0 ? copy.length + index : index]! ^= 0x01;
  return copy;
}

describe('verifyModuleSignature', () => {
  const rsa = newSigningKey({ type: 'rsa-2048' });
  const ec = newSigningKey({ type: 'ec-p256' });
  const module = newModuleBytes(20_000);
  const signed = signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem });
  const signature = sign('sha256', module, rsa.privateKey);
  const cert = readSigningCertificate({ certPem: rsa.certPem });
  const sid = encodeSequence(cert.issuer, encodeElement(TAG.Integer, cert.serialNumber));
  const sha256 = encodeSequence(encodeObjectIdentifier(OID.sha256));
  const rsaEncryption = encodeSequence(encodeObjectIdentifier(OID.rsaEncryption), encodeNull());

  /** SignedData with a variation sign-file never writes; the signature itself is valid. */
  function signedDataWith({ content = false, signedAttributes = false, contentType = OID.data as string }): Buffer {
    const signerInfo = encodeSequence(
      encodeSmallInteger(1),
      sid,
      sha256,
      ...(signedAttributes ? [encodeElement(contextTag(0, true), Buffer.alloc(0))] : []),
      rsaEncryption,
      encodeOctetString(signature),
    );
    const eContent = content ? [encodeElement(contextTag(0, true), encodeOctetString(module))] : [];
    const signedData = encodeSequence(
      encodeSmallInteger(1),
      encodeSetOfOne(sha256),
      encodeSequence(encodeObjectIdentifier(contentType), ...eContent),
      encodeSetOfOne(signerInfo),
    );
    return encodeSequence(encodeObjectIdentifier(OID.signedData), encodeElement(contextTag(0, true), signedData));
  }

  it('accepts a module signed with the certificate', () => {
    const sut = verifyModuleSignature(signed, { certDer: rsa.certDer });

    expect(sut).toMatchObject({ ok: true, signature: { signer: 'KMM-Hub test signing key', hashAlgorithm: 'sha256' } });
  });

  it.each([
    { name: 'the first byte of the module', index: 0 },
    { name: 'a byte in the middle of the module', index: 10_000 },
    { name: 'the last byte of the module', index: module.length - 1 },
    { name: 'the last byte of the signature', index: signed.length - 41 },
    { name: 'the first byte of the signature', index: signed.length - 40 - 256 },
  ])('rejects a module with a flipped bit in $name as BadSignature', ({ index }) => {
    const sut = verifyModuleSignature(flipped(signed, index), { certPem: rsa.certPem });

    expect(sut).toMatchObject({ ok: false, reason: VerifyFailureReason.BadSignature });
  });

  it.each([
    {
      name: 'an ECDSA signature with a flipped bit',
      bytes: () => flipped(signModule(module, { keyPem: ec.keyPem, certPem: ec.certPem }), -41),
      certPem: ec.certPem,
      reason: VerifyFailureReason.BadSignature,
    },
    { name: 'an unsigned module', bytes: () => module, certPem: rsa.certPem, reason: VerifyFailureReason.Unsigned },
    {
      name: 'another key with the same issuer and serial',
      bytes: () => signed,
      certPem: newSigningKey().certPem,
      reason: VerifyFailureReason.BadSignature,
    },
    {
      name: 'a certificate with another serial',
      bytes: () => signed,
      certPem: newSigningKey({ serialNumber: Buffer.from([7]) }).certPem,
      reason: VerifyFailureReason.SignerMismatch,
    },
    {
      name: 'a certificate with another issuer',
      bytes: () => signed,
      certPem: newSigningKey({ commonName: 'someone else' }).certPem,
      reason: VerifyFailureReason.SignerMismatch,
    },
    {
      name: 'an EC certificate for an RSA signature',
      bytes: () => signed,
      certPem: ec.certPem,
      reason: VerifyFailureReason.SignerMismatch,
    },
    {
      name: 'a subject key identifier of another key',
      bytes: () =>
        signModule(module, { keyPem: ec.keyPem, certPem: ec.certPem, signerIdentifier: 'subjectKeyIdentifier' }),
      certPem: newSigningKey({ type: 'ec-p256' }).certPem,
      reason: VerifyFailureReason.SignerMismatch,
    },
    {
      name: 'a subject key identifier and a certificate without one',
      bytes: () =>
        signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem, signerIdentifier: 'subjectKeyIdentifier' }),
      certPem: newSigningKey({ withSubjectKeyIdentifier: false }).certPem,
      reason: VerifyFailureReason.SignerMismatch,
    },
    {
      name: 'a PKCS#7 blob that is not DER',
      bytes: () => withPkcs7(module, Buffer.from('garbage')),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.MalformedSignature,
    },
    {
      name: 'a signature length longer than the file',
      bytes: () => Buffer.concat([Buffer.alloc(10), encodeModuleSignatureTrailer(11)]),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.MalformedSignature,
    },
    {
      name: 'signed attributes',
      bytes: () => withPkcs7(module, signedDataWith({ signedAttributes: true })),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.UnsupportedSignature,
    },
    {
      name: 'embedded content',
      bytes: () => withPkcs7(module, signedDataWith({ content: true })),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.UnsupportedSignature,
    },
    {
      name: 'a content type other than data',
      bytes: () => withPkcs7(module, signedDataWith({ contentType: '1.2.840.113549.1.9.16.1.4' })),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.UnsupportedSignature,
    },
    {
      name: 'an unknown digest algorithm',
      bytes: () =>
        withPkcs7(
          module,
          encodeDetachedSignedData({
            digestAlgorithm: '1.2.3.4',
            signatureAlgorithm: rsaEncryption,
            signerIdentifier: { type: 'issuerAndSerialNumber', issuer: cert.issuer, serialNumber: cert.serialNumber },
            signature,
          }),
        ),
      certPem: rsa.certPem,
      reason: VerifyFailureReason.UnsupportedSignature,
    },
  ])('rejects $name as $reason', ({ bytes, certPem, reason }) => {
    const sut = verifyModuleSignature(bytes(), { certPem });

    expect(sut).toMatchObject({ ok: false, reason, message: expect.any(String) });
  });

  it('accepts the hand-built SignedData when it has the form sign-file writes', () => {
    const sut = verifyModuleSignature(withPkcs7(module, signedDataWith({})), { certPem: rsa.certPem });

    expect(sut).toMatchObject({ ok: true });
  });

  it('throws InvalidCertificate for a certificate it cannot read', () => {
    expect(() => verifyModuleSignature(signed, { certPem: 'not a certificate' })).toThrow(
      expect.objectContaining({ name: KmodSignError.name, code: KmodSignErrorCode.InvalidCertificate }),
    );
  });
});
