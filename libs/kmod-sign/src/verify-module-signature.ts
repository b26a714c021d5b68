import { verify, type KeyObject } from 'node:crypto';
import type { SignerIdentifier } from './cms-signed-data.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { DIGEST_NAME_BY_OID, OID, SIGNATURE_ALGORITHM_BY_OID, SignatureAlgorithm } from './oid.js';
import { readAppendedSignature, type AppendedSignature, type ModuleSignatureInfo } from './parse-module-signature.js';
import { readSigningCertificate, type CertificateInput, type SigningCertificate } from './signing-certificate.js';

export const VerifyFailureReason = {
  /** No signature is appended. */
  Unsigned: 'Unsigned',
  /** The signature block cannot be read. */
  MalformedSignature: 'MalformedSignature',
  /** Readable, but the kernel would reject its form (attributes, embedded content, unknown algorithms). */
  UnsupportedSignature: 'UnsupportedSignature',
  /** The signature names another key than the certificate's. */
  SignerMismatch: 'SignerMismatch',
  /** The signature does not match the module bytes. */
  BadSignature: 'BadSignature',
} as const;
export type VerifyFailureReason = (typeof VerifyFailureReason)[keyof typeof VerifyFailureReason];

export type VerifyModuleSignatureResult =
  { ok: true; signature: ModuleSignatureInfo } | { ok: false; reason: VerifyFailureReason; message: string };

function fail(reason: VerifyFailureReason, message: string): VerifyModuleSignatureResult {
  return { ok: false, reason, message };
}

/** Mirrors the kernel's checks for a module signature (crypto/asymmetric_keys/pkcs7_verify.c). */
function findUnsupportedForm({ signedData }: AppendedSignature): string | null {
  const { contentType, hasContent, signerInfos } = signedData;
  if (contentType !== OID.data) return `content type ${contentType} is not data`;
  if (hasContent) return 'the SignedData carries its content; module signatures are detached';
  for (const { hasSignedAttributes, digestAlgorithm, signatureAlgorithm } of signerInfos) {
    if (hasSignedAttributes) return 'the SignerInfo has signed attributes';
    if (DIGEST_NAME_BY_OID[digestAlgorithm] === undefined) return `digest algorithm ${digestAlgorithm} is unknown`;
    if (SIGNATURE_ALGORITHM_BY_OID[signatureAlgorithm] === undefined) {
      return `signature algorithm ${signatureAlgorithm} is unknown`;
    }
  }
  return null;
}

function namesCertificate(sid: SignerIdentifier, cert: SigningCertificate): boolean {
  if (sid.type === 'subjectKeyIdentifier') {
    return cert.subjectKeyIdentifier?.equals(sid.subjectKeyIdentifier) ?? false;
  }
  return sid.issuer.equals(cert.issuer) && sid.serialNumber.equals(cert.serialNumber);
}

function keyTypeOf(key: KeyObject): SignatureAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return SignatureAlgorithm.Rsa;
  if (key.asymmetricKeyType === 'ec') return SignatureAlgorithm.Ecdsa;
  return undefined;
}

/**
 * Verifies the outermost appended signature against a certificate, as the kernel would with that certificate in
 * its keyring. Bad, missing or foreign signatures are results; only a broken certificate throws `KmodSignError`.
 */
export function verifyModuleSignature(moduleBytes: Uint8Array, options: CertificateInput): VerifyModuleSignatureResult {
  const cert = readSigningCertificate(options);
  let appended: AppendedSignature | null;
  try {
    appended = readAppendedSignature(moduleBytes);
  } catch (error) {
    if (error instanceof KmodSignError && error.code === KmodSignErrorCode.MalformedSignature) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return fail(VerifyFailureReason.MalformedSignature, `${error.message}${cause}`);
    }
    throw error;
  }
  if (appended === null) return fail(VerifyFailureReason.Unsigned, 'module has no appended signature');

  const { info, module } = appended;
  const unsupported = findUnsupportedForm(appended);
  if (unsupported !== null) return fail(VerifyFailureReason.UnsupportedSignature, unsupported);
  if (!namesCertificate(info.signerIdentifier, cert)) {
    return fail(VerifyFailureReason.SignerMismatch, `signature names key ${info.keyId}, not ${cert.x509.subject}`);
  }
  if (keyTypeOf(cert.publicKey) !== info.signatureAlgorithm) {
    return fail(
      VerifyFailureReason.SignerMismatch,
      `signature algorithm ${info.signatureAlgorithm} does not fit a ${cert.publicKey.asymmetricKeyType} key`,
    );
  }
  let valid: boolean;
  try {
    valid = verify(info.hashAlgorithm, module, cert.publicKey, info.signature);
  } catch (error) {
    return fail(VerifyFailureReason.BadSignature, `signature cannot be checked: ${String(error)}`);
  }
  if (!valid) return fail(VerifyFailureReason.BadSignature, 'signature does not match the module');
  return { ok: true, signature: info };
}
