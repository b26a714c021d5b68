import { X509Certificate, type KeyObject } from 'node:crypto';
import { TAG, contextTag, decodeObjectIdentifier, expectTag, readChildren, readDer, type DerElement } from './der.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { OID } from './oid.js';

/** The signing certificate, PEM or DER (as `sign-file` accepts either). */
export type CertificateInput = { certPem: string; certDer?: never } | { certDer: Uint8Array; certPem?: never };

export interface SigningCertificate {
  publicKey: KeyObject;
  x509: X509Certificate;
  /** The issuer `Name`, complete DER, exactly as in the certificate. */
  issuer: Buffer;
  /** The serialNumber INTEGER's value octets. */
  serialNumber: Buffer;
  subjectKeyIdentifier: Buffer | null;
}

function findSubjectKeyIdentifier(extensionsField: DerElement | undefined): Buffer | null {
  if (extensionsField?.tag !== contextTag(3, true)) return null;
  const [extensions] = readChildren(extensionsField);
  for (const extension of readChildren(expectTag(extensions, TAG.Sequence, 'extensions'))) {
    const fields = readChildren(expectTag(extension, TAG.Sequence, 'extension'));
    if (decodeObjectIdentifier(expectTag(fields[0], TAG.ObjectIdentifier, 'extnID')) !== OID.subjectKeyIdentifier) {
      continue;
    }
    const extnValue = expectTag(fields.at(-1), TAG.OctetString, 'extnValue');
    return expectTag(readDer(extnValue.value), TAG.OctetString, 'subjectKeyIdentifier').value;
  }
  return null;
}

function decodeCertificate(der: Buffer): Omit<SigningCertificate, 'publicKey' | 'x509'> {
  const [tbsCertificate] = readChildren(expectTag(readDer(der), TAG.Sequence, 'Certificate'));
  const fields = readChildren(expectTag(tbsCertificate, TAG.Sequence, 'tbsCertificate'));
  const rest = fields[0]?.tag === contextTag(0, true) ? fields.slice(1) : fields;
  const [serialNumber, , issuer, , , , ...optional] = rest;
  return {
    issuer: expectTag(issuer, TAG.Sequence, 'issuer').raw,
    serialNumber: expectTag(serialNumber, TAG.Integer, 'serialNumber').value,
    subjectKeyIdentifier: findSubjectKeyIdentifier(optional.find((field) => field.tag === contextTag(3, true))),
  };
}

export function readSigningCertificate(input: CertificateInput): SigningCertificate {
  if ((input.certPem === undefined) === (input.certDer === undefined)) {
    throw new KmodSignError(KmodSignErrorCode.InvalidOptions, 'give exactly one of certPem and certDer');
  }
  try {
    const x509 = new X509Certificate(input.certPem ?? Buffer.from(input.certDer ?? []));
    return { ...decodeCertificate(x509.raw), publicKey: x509.publicKey, x509 };
  } catch (cause) {
    throw new KmodSignError(KmodSignErrorCode.InvalidCertificate, 'read signing certificate', { cause });
  }
}
