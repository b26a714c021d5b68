import { describe, expect, it } from 'vitest';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { MODULE_SIGNATURE_MAGIC, encodeModuleSignatureTrailer } from './module-signature-trailer.js';
import { newModuleBytes } from './signing-key.factory.js';
import { stripModuleSignature } from './strip-module-signature.js';

const MAGIC = Buffer.from(MODULE_SIGNATURE_MAGIC, 'latin1');

/** Appends a signature block the way sign-file lays it out; strip does not look inside the signature. */
function appendSignature(module: Buffer, signature: Buffer): Buffer {
  return Buffer.concat([module, signature, encodeModuleSignatureTrailer(signature.length)]);
}

function struct(fields: { idType: number; signerLength: number; keyIdLength: number; signatureLength: number }) {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt8(fields.idType, 2);
  bytes.writeUInt8(fields.signerLength, 3);
  bytes.writeUInt8(fields.keyIdLength, 4);
  bytes.writeUInt32BE(fields.signatureLength, 8);
  return bytes;
}

describe('stripModuleSignature', () => {
  const module = newModuleBytes(8192);

  it.each([
    { name: 'an unsigned module', bytes: module },
    { name: 'an empty input', bytes: Buffer.alloc(0) },
    { name: 'bytes shorter than the magic', bytes: Buffer.from('~Module') },
    { name: 'a module ending in part of the magic', bytes: Buffer.concat([module, MAGIC.subarray(1)]) },
  ])('returns $name unchanged', ({ bytes }) => {
    const sut = stripModuleSignature(bytes);

    expect(sut.equals(bytes)).toBe(true);
  });

  it.each([
    { name: 'one signature', signed: appendSignature(module, Buffer.alloc(300, 0xa5)) },
    {
      name: 'two signatures (signed twice by sign-file)',
      signed: appendSignature(appendSignature(module, Buffer.alloc(300, 0xa5)), Buffer.alloc(520, 0x5a)),
    },
    {
      name: 'a pre-4.3 signature with signer name and key id',
      signed: Buffer.concat([
        module,
        Buffer.from('signer'),
        Buffer.from('keyid!!'),
        Buffer.alloc(256, 1),
        struct({ idType: 1, signerLength: 6, keyIdLength: 7, signatureLength: 256 }),
        MAGIC,
      ]),
    },
  ])('removes $name', ({ signed }) => {
    const sut = stripModuleSignature(signed);

    expect(sut.equals(module)).toBe(true);
    expect(stripModuleSignature(sut).equals(module)).toBe(true);
  });

  it('returns a view of the input, not a copy', () => {
    const signed = appendSignature(module, Buffer.alloc(300));

    const sut = stripModuleSignature(signed);

    expect(sut.buffer).toBe(signed.buffer);
  });

  it.each([
    { name: 'no room for the struct', bytes: Buffer.concat([Buffer.alloc(5), MAGIC]) },
    {
      name: 'a zero signature length',
      bytes: Buffer.concat([module, struct({ idType: 2, signerLength: 0, keyIdLength: 0, signatureLength: 0 }), MAGIC]),
    },
    {
      name: 'a signature longer than the file',
      bytes: Buffer.concat([
        Buffer.alloc(99),
        struct({ idType: 2, signerLength: 0, keyIdLength: 0, signatureLength: 100 }),
        MAGIC,
      ]),
    },
    {
      name: 'signer and key id longer than the file',
      bytes: Buffer.concat([
        Buffer.alloc(99),
        struct({ idType: 1, signerLength: 50, keyIdLength: 50, signatureLength: 1 }),
        MAGIC,
      ]),
    },
  ])('throws MalformedSignature for $name', ({ bytes }) => {
    expect(() => stripModuleSignature(bytes)).toThrow(
      expect.objectContaining({ name: KmodSignError.name, code: KmodSignErrorCode.MalformedSignature }),
    );
  });
});
