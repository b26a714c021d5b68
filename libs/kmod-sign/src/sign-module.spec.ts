import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendModuleSignature, assembleSignedModule } from './assemble-signed-module.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { HASH_ALGORITHMS } from './oid.js';
import { parseModuleSignature } from './parse-module-signature.js';
import { signModule, type SignModuleOptions } from './sign-module.js';
import { readSigningCertificate } from './signing-certificate.js';
import { TEST_KEY_TYPES, newModuleBytes, newSigningKey } from './signing-key.factory.js';
import { verifyModuleSignature } from './verify-module-signature.js';

function kmodSignError(code: KmodSignErrorCode) {
  return expect.objectContaining({ name: KmodSignError.name, code });
}

const keys = Object.fromEntries(TEST_KEY_TYPES.map((type) => [type, newSigningKey({ type })]));
const rsa = newSigningKey({ type: 'rsa-2048' });
const module = newModuleBytes(64 * 1024);
const keyCases = TEST_KEY_TYPES.flatMap((type) => HASH_ALGORITHMS.map((hash) => ({ type, hash })));

describe('signModule', () => {
  it.each(keyCases)('signs with $type and $hash so that parse and verify accept it', ({ type, hash }) => {
    const key = keys[type]!;

    const sut = signModule(module, { keyPem: key.keyPem, certDer: key.certDer, hash });

    const parsed = parseModuleSignature(sut);
    expect(parsed.signed && parsed.module.equals(module)).toBe(true);
    expect(parsed).toMatchObject({
      signed: true,
      signature: {
        signer: 'KMM-Hub test signing key',
        keyId: '4B:4D:4D:2D:48:75:62',
        hashAlgorithm: hash,
        signatureAlgorithm: type.startsWith('rsa') ? 'rsa' : 'ecdsa',
      },
    });
    expect(verifyModuleSignature(sut, { certPem: key.certPem })).toMatchObject({ ok: true });
  });

  it('signs with sha256 when no hash is given', () => {
    const sut = signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem });

    expect(sut.equals(signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem, hash: 'sha256' }))).toBe(true);
  });

  it.each(HASH_ALGORITHMS)('re-signing a signed module equals signing the unsigned module (%s)', (hash) => {
    const options = { keyPem: rsa.keyPem, certDer: rsa.certDer, hash };
    const signedOnce = signModule(module, options);
    // sign-file run on a signed module appends a second signature over the first.
    const outer = sign(hash, signedOnce, rsa.privateKey);
    const signedTwice = appendModuleSignature(signedOnce, readSigningCertificate(options), hash, outer, undefined);

    const sut = signModule(signedTwice, options);

    expect(verifyModuleSignature(signedTwice, options)).toMatchObject({ ok: true });
    expect(sut.equals(signedOnce)).toBe(true);
  });

  it.each(['ec-p256', 'ec-p384'] as const)('re-signing with %s leaves exactly one signature', (type) => {
    const options = { keyPem: keys[type]!.keyPem, certDer: keys[type]!.certDer };

    const sut = signModule(signModule(module, options), options);

    const parsed = parseModuleSignature(sut);
    expect(parsed.signed && parsed.module.equals(module)).toBe(true);
  });

  it('writes the same bytes for every encoding of the same RSA key and certificate', () => {
    const key = rsa.privateKey;
    const forms: SignModuleOptions[] = [
      { keyPem: rsa.keyPem, certPem: rsa.certPem },
      { keyPem: key.export({ type: 'pkcs1', format: 'pem' }).toString(), certDer: rsa.certDer },
      { keyDer: key.export({ type: 'pkcs8', format: 'der' }), certDer: rsa.certDer },
      { keyDer: key.export({ type: 'pkcs1', format: 'der' }), certPem: rsa.certPem },
      { keyDer: new Uint8Array(key.export({ type: 'pkcs1', format: 'der' })), certDer: new Uint8Array(rsa.certDer) },
    ];

    const sut = forms.map((options) => signModule(module, options).toString('hex'));

    expect(new Set(sut).size).toBe(1);
  });

  it.each([
    {
      name: 'SEC1 PEM',
      form: (key: KeyObject) => ({
        keyPem: key.export({ type: 'sec1', format: 'pem' }).toString(),
      }),
    },
    {
      name: 'SEC1 DER',
      form: (key: KeyObject) => ({ keyDer: key.export({ type: 'sec1', format: 'der' }) }),
    },
    {
      name: 'PKCS#8 DER',
      form: (key: KeyObject) => ({ keyDer: key.export({ type: 'pkcs8', format: 'der' }) }),
    },
  ])('reads an EC key as $name', ({ form }) => {
    const key = keys['ec-p256']!;

    const sut = signModule(module, { ...form(key.privateKey), certDer: key.certDer });

    expect(verifyModuleSignature(sut, { certDer: key.certDer })).toMatchObject({ ok: true });
  });

  it('reads an encrypted key with its passphrase', () => {
    const keyPem = rsa.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pin' })
      .toString();

    const sut = signModule(module, { keyPem, passphrase: 'pin', certPem: rsa.certPem });

    expect(sut.equals(signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem }))).toBe(true);
  });

  it('names the signer by subject key identifier when asked (sign-file -k)', () => {
    const spki = createPublicKey(rsa.privateKey).export({ type: 'spki', format: 'der' });
    const keyId = createHash('sha1').update(spki).digest('hex').toUpperCase().match(/../g)?.join(':');

    const sut = signModule(module, {
      keyPem: rsa.keyPem,
      certPem: rsa.certPem,
      signerIdentifier: 'subjectKeyIdentifier',
    });

    expect(parseModuleSignature(sut)).toMatchObject({
      signed: true,
      signature: { signer: null, keyId, signerIdentifier: { type: 'subjectKeyIdentifier' } },
    });
    expect(verifyModuleSignature(sut, { certPem: rsa.certPem })).toMatchObject({ ok: true });
  });

  const other = newSigningKey({ type: 'rsa-2048', withSubjectKeyIdentifier: false });
  const ed25519 = newSigningKey({ type: 'ed25519' });
  const encryptedPem = rsa.privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pin' })
    .toString();
  it.each([
    {
      name: 'a key that is not PEM',
      code: KmodSignErrorCode.InvalidKey,
      options: { keyPem: 'not a key', certPem: rsa.certPem },
    },
    {
      name: 'a key that is not DER',
      code: KmodSignErrorCode.InvalidKey,
      options: { keyDer: Buffer.from('3003020101', 'hex'), certPem: rsa.certPem },
    },
    {
      name: 'a certificate PEM as key',
      code: KmodSignErrorCode.InvalidKey,
      options: { keyPem: rsa.certPem, certPem: rsa.certPem },
    },
    {
      name: 'an encrypted key without passphrase',
      code: KmodSignErrorCode.InvalidKey,
      options: { keyPem: encryptedPem, certPem: rsa.certPem },
    },
    {
      name: 'an encrypted key with a wrong passphrase',
      code: KmodSignErrorCode.InvalidKey,
      options: { keyPem: encryptedPem, passphrase: 'nip', certPem: rsa.certPem },
    },
    {
      name: 'an Ed25519 key',
      code: KmodSignErrorCode.UnsupportedKey,
      options: { keyPem: ed25519.keyPem, certPem: ed25519.certPem },
    },
    {
      name: 'a certificate that is not PEM',
      code: KmodSignErrorCode.InvalidCertificate,
      options: { keyPem: rsa.keyPem, certPem: rsa.keyPem },
    },
    {
      name: 'a certificate that is not DER',
      code: KmodSignErrorCode.InvalidCertificate,
      options: { keyPem: rsa.keyPem, certDer: Buffer.from('3000', 'hex') },
    },
    {
      name: "another key's certificate",
      code: KmodSignErrorCode.KeyCertificateMismatch,
      options: { keyPem: rsa.keyPem, certPem: other.certPem },
    },
    {
      name: 'an EC key with an RSA certificate',
      code: KmodSignErrorCode.KeyCertificateMismatch,
      options: { keyPem: keys['ec-p256']!.keyPem, certPem: rsa.certPem },
    },
    {
      name: 'an unsupported hash',
      code: KmodSignErrorCode.UnsupportedHash,
      options: { keyPem: rsa.keyPem, certPem: rsa.certPem, hash: 'md5' },
    },
    {
      name: 'both keyPem and keyDer',
      code: KmodSignErrorCode.InvalidOptions,
      options: { keyPem: rsa.keyPem, keyDer: Buffer.alloc(1), certPem: rsa.certPem },
    },
    { name: 'no certificate', code: KmodSignErrorCode.InvalidOptions, options: { keyPem: rsa.keyPem } },
    {
      name: 'an unknown signerIdentifier',
      code: KmodSignErrorCode.InvalidOptions,
      options: { keyPem: rsa.keyPem, certPem: rsa.certPem, signerIdentifier: 'name' },
    },
    {
      name: 'subjectKeyIdentifier without the extension',
      code: KmodSignErrorCode.MissingSubjectKeyIdentifier,
      options: { keyPem: other.keyPem, certPem: other.certPem, signerIdentifier: 'subjectKeyIdentifier' },
    },
  ])('throws $code for $name', ({ code, options }) => {
    expect(() => signModule(module, options as unknown as SignModuleOptions)).toThrow(kmodSignError(code));
  });

  it.each([
    { name: 'an xz-compressed module', bytes: Buffer.from('fd377a585a00000401', 'hex') },
    { name: 'an empty input', bytes: Buffer.alloc(0) },
  ])('throws NotAnElfModule for $name', ({ bytes }) => {
    expect(() => signModule(bytes, { keyPem: rsa.keyPem, certPem: rsa.certPem })).toThrow(
      kmodSignError(KmodSignErrorCode.NotAnElfModule),
    );
  });

  it('leaves its input untouched', () => {
    const input = Buffer.from(signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem }));
    const copy = Buffer.from(input);

    signModule(input, { keyPem: keys['ec-p256']!.keyPem, certPem: keys['ec-p256']!.certPem });

    expect(input.equals(copy)).toBe(true);
  });

  it('keeps the reason a key could not be read', () => {
    expect(() => signModule(module, { keyPem: 'not a key', certPem: rsa.certPem })).toThrow(
      expect.objectContaining({ message: 'read signing key', cause: expect.any(Error) }),
    );
  });
});

describe('assembleSignedModule', () => {
  it.each(HASH_ALGORITHMS)('wraps an external RSA signature exactly as signModule does (%s)', (hash) => {
    const signature = sign(hash, module, rsa.privateKey);

    const sut = assembleSignedModule(module, { certDer: rsa.certDer, hash, signature });

    expect(sut.equals(signModule(module, { keyPem: rsa.keyPem, certDer: rsa.certDer, hash }))).toBe(true);
  });

  it('wraps an external ECDSA signature so that it verifies', () => {
    const key = keys['ec-p384']!;
    const signature = sign('sha384', module, key.privateKey);

    const sut = assembleSignedModule(module, { certPem: key.certPem, hash: 'sha384', signature });

    expect(verifyModuleSignature(sut, { certPem: key.certPem })).toMatchObject({ ok: true });
  });

  it('throws AlreadySigned for a signed module', () => {
    const signed = signModule(module, { keyPem: rsa.keyPem, certPem: rsa.certPem });

    expect(() => assembleSignedModule(signed, { certPem: rsa.certPem, signature: Buffer.alloc(256) })).toThrow(
      kmodSignError(KmodSignErrorCode.AlreadySigned),
    );
  });

  it('throws UnsupportedKey for an Ed25519 certificate', () => {
    const key = newSigningKey({ type: 'ed25519' });

    expect(() => assembleSignedModule(module, { certPem: key.certPem, signature: Buffer.alloc(64) })).toThrow(
      kmodSignError(KmodSignErrorCode.UnsupportedKey),
    );
  });
});
