import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';

// A signed module is laid out as (kernel include/linux/module_signature.h, scripts/sign-file.c):
//   [module][signer name][key id][signature][struct module_signature: 12 bytes][magic: 28 bytes]
// For PKCS#7 (id_type 2) the signer name and key id are empty and the signature is a DER CMS SignedData.

export const MODULE_SIGNATURE_MAGIC = '~Module signature appended~\n';
const MAGIC_LENGTH = MODULE_SIGNATURE_MAGIC.length;
const STRUCT_LENGTH = 12;

/** `enum pkey_id_type` value for a PKCS#7 signature, the only kind the kernel has accepted since 4.3. */
export const PKEY_ID_PKCS7 = 2;

/** The fields of `struct module_signature` plus where the signature block sits in the file. */
export interface ModuleSignatureTrailer {
  algo: number;
  hash: number;
  idType: number;
  signerLength: number;
  keyIdLength: number;
  /** The struct's three padding bytes, which must be zero. */
  padding: number;
  signatureLength: number;
  /** Where the signed module content ends and the signature block (signer, key id, signature) begins. */
  moduleLength: number;
  /** Where the signature begins. */
  signatureOffset: number;
}

export function hasModuleSignatureMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= MAGIC_LENGTH &&
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', bytes.length - MAGIC_LENGTH) ===
      MODULE_SIGNATURE_MAGIC
  );
}

/** Reads the trailer of an appended signature; null when the bytes do not end with the magic string. */
export function readModuleSignatureTrailer(bytes: Uint8Array): ModuleSignatureTrailer | null {
  if (!hasModuleSignatureMagic(bytes)) return null;
  const structOffset = bytes.length - MAGIC_LENGTH - STRUCT_LENGTH;
  if (structOffset < 0) {
    throw new KmodSignError(KmodSignErrorCode.MalformedSignature, 'module signature struct is truncated');
  }
  const struct = Buffer.from(bytes.buffer, bytes.byteOffset + structOffset, STRUCT_LENGTH);
  const trailer = {
    algo: struct.readUInt8(0),
    hash: struct.readUInt8(1),
    idType: struct.readUInt8(2),
    signerLength: struct.readUInt8(3),
    keyIdLength: struct.readUInt8(4),
    padding: struct.readUIntBE(5, 3),
    signatureLength: struct.readUInt32BE(8),
  };
  const signatureOffset = structOffset - trailer.signatureLength;
  const moduleLength = signatureOffset - trailer.keyIdLength - trailer.signerLength;
  if (trailer.signatureLength === 0 || moduleLength < 0) {
    throw new KmodSignError(
      KmodSignErrorCode.MalformedSignature,
      `module signature length ${trailer.signatureLength} does not fit in ${bytes.length} bytes`,
    );
  }
  return { ...trailer, moduleLength, signatureOffset };
}

/** The 12-byte `struct module_signature` and magic that follow a PKCS#7 signature of `signatureLength` bytes. */
export function encodeModuleSignatureTrailer(signatureLength: number): Buffer {
  const struct = Buffer.alloc(STRUCT_LENGTH);
  struct.writeUInt8(PKEY_ID_PKCS7, 2);
  struct.writeUInt32BE(signatureLength, 8);
  return Buffer.concat([struct, Buffer.from(MODULE_SIGNATURE_MAGIC, 'latin1')]);
}
