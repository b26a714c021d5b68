import { encodeDetachedSignedData, type SignerIdentifier, type SignerIdentifierType } from './cms-signed-data.js';
import { encodeNull, encodeObjectIdentifier, encodeSequence } from './der.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { encodeModuleSignatureTrailer, hasModuleSignatureMagic } from './module-signature-trailer.js';
import { ECDSA_OID_BY_HASH, HASH_ALGORITHMS, OID, isHashAlgorithm, type HashAlgorithm } from './oid.js';
import { readSigningCertificate, type CertificateInput, type SigningCertificate } from './signing-certificate.js';

export interface SignatureOptions {
  /** Digest for the signature; default sha256 (`sign-file sha256 ...`). */
  hash?: HashAlgorithm;
  /** How the signature names its key; default issuerAndSerialNumber. subjectKeyIdentifier is `sign-file -k`. */
  signerIdentifier?: SignerIdentifierType;
}

export type AssembleSignedModuleOptions = CertificateInput &
  SignatureOptions & {
    /** The raw signature over the module bytes from an external signer: PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value. */
    signature: Uint8Array;
  };

const ELF_MAGIC = '\x7fELF';

export function checkHash(hash: unknown = 'sha256'): HashAlgorithm {
  if (!isHashAlgorithm(hash)) {
    throw new KmodSignError(
      KmodSignErrorCode.UnsupportedHash,
      `hash ${String(hash)} is not supported; use one of ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  return hash;
}

/** Throws unless the bytes are a bare ELF module. Compressed modules (.ko.xz, .ko.zst) are signed before compression. */
export function checkUnsignedModule(moduleBytes: Uint8Array): void {
  if (Buffer.from(moduleBytes.subarray(0, ELF_MAGIC.length)).toString('latin1') !== ELF_MAGIC) {
    throw new KmodSignError(KmodSignErrorCode.NotAnElfModule, 'module does not start with the ELF magic');
  }
  if (hasModuleSignatureMagic(moduleBytes)) {
    throw new KmodSignError(KmodSignErrorCode.AlreadySigned, 'module is already signed; strip the signature first');
  }
}

function signerIdentifierOf(cert: SigningCertificate, type: unknown = 'issuerAndSerialNumber'): SignerIdentifier {
  if (type === 'issuerAndSerialNumber') {
    return { type, issuer: cert.issuer, serialNumber: cert.serialNumber };
  }
  if (type !== 'subjectKeyIdentifier') {
    throw new KmodSignError(KmodSignErrorCode.InvalidOptions, `unknown signerIdentifier ${String(type)}`);
  }
  if (cert.subjectKeyIdentifier === null) {
    throw new KmodSignError(
      KmodSignErrorCode.MissingSubjectKeyIdentifier,
      'certificate has no subjectKeyIdentifier extension',
    );
  }
  return { type, subjectKeyIdentifier: cert.subjectKeyIdentifier };
}

/** The signatureAlgorithm sign-file writes: rsaEncryption with NULL parameters, or ecdsa-with-SHA* without. */
function signatureAlgorithmOf(cert: SigningCertificate, hash: HashAlgorithm): Buffer {
  switch (cert.publicKey.asymmetricKeyType) {
    case 'rsa':
      return encodeSequence(encodeObjectIdentifier(OID.rsaEncryption), encodeNull());
    case 'ec':
      return encodeSequence(encodeObjectIdentifier(ECDSA_OID_BY_HASH[hash]));
    default:
      throw new KmodSignError(
        KmodSignErrorCode.UnsupportedKey,
        `certificate key type ${cert.publicKey.asymmetricKeyType ?? 'unknown'} is not supported; use RSA or ECDSA`,
      );
  }
}

/** Appends PKCS#7 signature, `struct module_signature` and magic to an unsigned module. */
export function appendModuleSignature(
  unsignedModule: Uint8Array,
  cert: SigningCertificate,
  hash: HashAlgorithm,
  signature: Uint8Array,
  signerIdentifier: unknown,
): Buffer {
  const pkcs7 = encodeDetachedSignedData({
    digestAlgorithm: OID[hash],
    signatureAlgorithm: signatureAlgorithmOf(cert, hash),
    signerIdentifier: signerIdentifierOf(cert, signerIdentifier),
    signature,
  });
  return Buffer.concat([unsignedModule, pkcs7, encodeModuleSignatureTrailer(pkcs7.length)]);
}

/**
 * Wraps a signature made elsewhere (an HSM or KMS signing the module bytes) into a signed module, byte for byte as
 * `sign-file` would write it. The module must be unsigned; the signature is not checked (see verifyModuleSignature).
 */
export function assembleSignedModule(unsignedModule: Uint8Array, options: AssembleSignedModuleOptions): Buffer {
  const hash = checkHash(options.hash);
  const cert = readSigningCertificate(options);
  checkUnsignedModule(unsignedModule);
  return appendModuleSignature(unsignedModule, cert, hash, options.signature, options.signerIdentifier);
}
