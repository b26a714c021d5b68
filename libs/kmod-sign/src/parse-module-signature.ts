import { decodeSignedData, type SignedData, type SignerIdentifier } from './cms-signed-data.js';
import { TAG, decodeObjectIdentifier, readChildren, readDer } from './der.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { PKEY_ID_PKCS7, readModuleSignatureTrailer } from './module-signature-trailer.js';
import { DIGEST_NAME_BY_OID, OID, SIGNATURE_ALGORITHM_BY_OID, type SignatureAlgorithm } from './oid.js';

export interface ModuleSignatureInfo {
  /** The first common name of the signer's issuer, as modinfo shows `signer`; null without one (subject key id). */
  signer: string | null;
  /** As modinfo shows `sig_key`: serial number (or subject key identifier) in upper-case hex pairs joined by ':'. */
  keyId: string;
  signerIdentifier: SignerIdentifier;
  /** As modinfo shows `sig_hashalgo` (`sha256`, ...), or the OID when unknown. */
  hashAlgorithm: string;
  /** `rsa` or `ecdsa`, or the signatureAlgorithm OID when it is neither. */
  signatureAlgorithm: SignatureAlgorithm | string;
  /** The signature value (SignerInfo `signature`). */
  signature: Buffer;
  /** The whole PKCS#7 / CMS blob (what `sign-file -d` writes to `<module>.p7s`). */
  pkcs7: Buffer;
}

export type ParsedModule =
  | { signed: false; module: Buffer }
  | {
      signed: true;
      /**
       * The bytes the signature covers. For a module signed twice this still ends with the inner signature
       * (`stripModuleSignature` removes all of them).
       */
      module: Buffer;
      signature: ModuleSignatureInfo;
    };

/** Everything read from an appended signature, including what only verification needs. */
export interface AppendedSignature {
  module: Buffer;
  info: ModuleSignatureInfo;
  signedData: SignedData;
}

function formatKeyId(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

function decodeDirectoryString(tag: number, value: Buffer): string {
  if (tag === TAG.BmpString) return Buffer.from(value).swap16().toString('utf16le');
  if (tag === TAG.T61String) return value.toString('latin1');
  return value.toString('utf8');
}

/** The first commonName in a DER `Name`, as kmod reports the signer. */
function findCommonName(name: Buffer): string | null {
  for (const rdn of readChildren(readDer(name))) {
    for (const attribute of readChildren(rdn)) {
      const [type, value] = readChildren(attribute);
      if (type !== undefined && value !== undefined && decodeObjectIdentifier(type) === OID.commonName) {
        return decodeDirectoryString(value.tag, value.value);
      }
    }
  }
  return null;
}

function describeSigner(sid: SignerIdentifier): Pick<ModuleSignatureInfo, 'signer' | 'keyId'> {
  if (sid.type === 'subjectKeyIdentifier') return { signer: null, keyId: formatKeyId(sid.subjectKeyIdentifier) };
  // kmod prints the serial as an unsigned big number: no leading zero bytes.
  const firstSignificant = sid.serialNumber.findIndex((byte) => byte !== 0);
  const magnitude = firstSignificant === -1 ? Buffer.alloc(0) : sid.serialNumber.subarray(firstSignificant);
  return { signer: findCommonName(sid.issuer), keyId: formatKeyId(magnitude) };
}

/** Reads the outermost appended signature; null for an unsigned module. Throws `KmodSignError` when it is broken. */
export function readAppendedSignature(moduleBytes: Uint8Array): AppendedSignature | null {
  const trailer = readModuleSignatureTrailer(moduleBytes);
  if (trailer === null) return null;
  const { algo, hash, idType, signerLength, keyIdLength, padding } = trailer;
  if (
    idType !== PKEY_ID_PKCS7 ||
    algo !== 0 ||
    hash !== 0 ||
    signerLength !== 0 ||
    keyIdLength !== 0 ||
    padding !== 0
  ) {
    throw new KmodSignError(
      KmodSignErrorCode.MalformedSignature,
      `module_signature {algo ${algo}, hash ${hash}, id_type ${idType}, signer_len ${signerLength}, key_id_len ${keyIdLength}} is not a PKCS#7 signature`,
    );
  }
  const bytes = Buffer.from(moduleBytes.buffer, moduleBytes.byteOffset, moduleBytes.byteLength);
  const pkcs7 = bytes.subarray(trailer.signatureOffset, trailer.signatureOffset + trailer.signatureLength);
  try {
    const signedData = decodeSignedData(pkcs7);
    const [signerInfo, ...others] = signedData.signerInfos;
    if (signerInfo === undefined || others.length > 0) {
      throw new Error(`expected one SignerInfo, found ${signedData.signerInfos.length}`);
    }
    const info: ModuleSignatureInfo = {
      ...describeSigner(signerInfo.signerIdentifier),
      signerIdentifier: signerInfo.signerIdentifier,
      hashAlgorithm: DIGEST_NAME_BY_OID[signerInfo.digestAlgorithm] ?? signerInfo.digestAlgorithm,
      signatureAlgorithm: SIGNATURE_ALGORITHM_BY_OID[signerInfo.signatureAlgorithm] ?? signerInfo.signatureAlgorithm,
      signature: signerInfo.signature,
      pkcs7,
    };
    return { module: bytes.subarray(0, trailer.moduleLength), info, signedData };
  } catch (cause) {
    throw new KmodSignError(KmodSignErrorCode.MalformedSignature, 'parse module signature PKCS#7', { cause });
  }
}

/**
 * Detects and parses an appended module signature (the outermost one when a module was signed twice).
 * Returns `{ signed: false }` for an unsigned module; throws `KmodSignError` (MalformedSignature) when the
 * signature block is present but cannot be read. Buffers in the result are views of the input.
 */
export function parseModuleSignature(moduleBytes: Uint8Array): ParsedModule {
  const appended = readAppendedSignature(moduleBytes);
  if (appended === null) {
    return { signed: false, module: Buffer.from(moduleBytes.buffer, moduleBytes.byteOffset, moduleBytes.byteLength) };
  }
  return { signed: true, module: appended.module, signature: appended.info };
}
