// Test factories (not exported from index.ts): signing keys with self-signed X.509 certificates, and module bytes.
// Certificates are built here so unit tests need no openssl; the golden test uses certificates made by openssl.
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
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
import { OID } from './oid.js';

export const TEST_KEY_TYPES = ['rsa-2048', 'ec-p256', 'ec-p384'] as const;
export type TestKeyType = (typeof TEST_KEY_TYPES)[number] | 'ed25519';

export interface TestSigningKey {
  type: TestKeyType;
  privateKey: KeyObject;
  keyPem: string;
  certPem: string;
  certDer: Buffer;
}

export interface NewSigningKeyOptions {
  type?: TestKeyType;
  commonName?: string;
  /** Value octets of the serial number INTEGER. */
  serialNumber?: Buffer;
  withSubjectKeyIdentifier?: boolean;
}

function generateKey(type: TestKeyType): KeyObject {
  switch (type) {
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

function certificateSignatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') {
    return encodeSequence(encodeObjectIdentifier('1.2.840.113549.1.1.11'), encodeNull()); // sha256WithRSAEncryption
  }
  if (key.asymmetricKeyType === 'ec') return encodeSequence(encodeObjectIdentifier(OID.ecdsaWithSha256));
  return encodeSequence(encodeObjectIdentifier('1.3.101.112')); // Ed25519
}

function encodeName(commonName: string): Buffer {
  const attribute = encodeSequence(
    encodeObjectIdentifier(OID.commonName),
    encodeElement(TAG.Utf8String, Buffer.from(commonName, 'utf8')),
  );
  return encodeSequence(encodeSetOfOne(attribute));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A fresh private key and a self-signed certificate for it (X.509 v3, valid 2025 to 2125). */
export function newSigningKey({
  type = 'rsa-2048',
  commonName = 'KMM-Hub test signing key',
  serialNumber = Buffer.from('4b4d4d2d487562', 'hex'),
  withSubjectKeyIdentifier = true,
}: NewSigningKeyOptions = {}): TestSigningKey {
  const privateKey = generateKey(type);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const algorithm = certificateSignatureAlgorithm(privateKey);
  const name = encodeName(commonName);
  const validity = encodeSequence(
    encodeElement(TAG.UtcTime, Buffer.from('250101000000Z')),
    encodeElement(TAG.GeneralizedTime, Buffer.from('21250101000000Z')),
  );
  const subjectKeyIdentifier = encodeSequence(
    encodeObjectIdentifier(OID.subjectKeyIdentifier),
    encodeOctetString(encodeOctetString(createHash('sha1').update(spki).digest())),
  );
  const tbsCertificate = encodeSequence(
    encodeElement(contextTag(0, true), encodeSmallInteger(2)),
    encodeElement(TAG.Integer, serialNumber),
    algorithm,
    name,
    validity,
    name,
    spki,
    ...(withSubjectKeyIdentifier ? [encodeElement(contextTag(3, true), encodeSequence(subjectKeyIdentifier))] : []),
  );
  const hash = type === 'ed25519' ? null : 'sha256';
  const signature = sign(hash, tbsCertificate, privateKey);
  const certDer = encodeSequence(
    tbsCertificate,
    algorithm,
    encodeElement(TAG.BitString, Buffer.concat([Buffer.from([0]), signature])),
  );
  return {
    type,
    privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: toPem('CERTIFICATE', certDer),
    certDer,
  };
}

/** Bytes that pass for an unsigned module: the ELF magic, then a pattern derived from `seed`. */
export function newModuleBytes(size = 4096, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write('\x7fELF', 'latin1');
  for (let i = 4; i < size; i++) bytes[i] = (i * 31 + seed * 17) % 251;
  return bytes;
}
