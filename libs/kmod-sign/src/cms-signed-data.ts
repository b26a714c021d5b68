import {
  DerError,
  TAG,
  contextTag,
  decodeObjectIdentifier,
  decodeSmallInteger,
  encodeElement,
  encodeObjectIdentifier,
  encodeOctetString,
  encodeSequence,
  encodeSetOfOne,
  encodeSmallInteger,
  expectTag,
  readChildren,
  readDer,
  type DerElement,
} from './der.js';
import { OID } from './oid.js';

// CMS SignedData (RFC 5652) as the kernel's scripts/sign-file writes it with
// CMS_NOATTR | CMS_NOCERTS | CMS_BINARY | CMS_DETACHED: one SignerInfo, no signed attributes, no certificates,
// no encapsulated content, digest AlgorithmIdentifiers without parameters.

export type SignerIdentifier =
  | {
      type: 'issuerAndSerialNumber';
      /** The issuer `Name`, complete DER. */
      issuer: Buffer;
      /** The serial number INTEGER's value octets (two's complement, as encoded). */
      serialNumber: Buffer;
    }
  | { type: 'subjectKeyIdentifier'; subjectKeyIdentifier: Buffer };

export type SignerIdentifierType = SignerIdentifier['type'];

export interface DetachedSignature {
  digestAlgorithm: string;
  /** The complete signatureAlgorithm AlgorithmIdentifier. */
  signatureAlgorithm: Buffer;
  signerIdentifier: SignerIdentifier;
  signature: Uint8Array;
}

function encodeSignerIdentifier(sid: SignerIdentifier): Buffer {
  if (sid.type === 'subjectKeyIdentifier') {
    return encodeElement(contextTag(0, false), sid.subjectKeyIdentifier);
  }
  return encodeSequence(sid.issuer, encodeElement(TAG.Integer, sid.serialNumber));
}

/** Encodes a detached SignedData ContentInfo with one signer and no attributes or certificates. */
export function encodeDetachedSignedData(input: DetachedSignature): Buffer {
  // RFC 5652 5.1 and 5.3: version 3 when the signer is identified by subject key identifier, else 1.
  const version = input.signerIdentifier.type === 'subjectKeyIdentifier' ? 3 : 1;
  const digestAlgorithm = encodeSequence(encodeObjectIdentifier(input.digestAlgorithm));
  const signerInfo = encodeSequence(
    encodeSmallInteger(version),
    encodeSignerIdentifier(input.signerIdentifier),
    digestAlgorithm,
    input.signatureAlgorithm,
    encodeOctetString(input.signature),
  );
  const signedData = encodeSequence(
    encodeSmallInteger(version),
    encodeSetOfOne(digestAlgorithm),
    encodeSequence(encodeObjectIdentifier(OID.data)),
    encodeSetOfOne(signerInfo),
  );
  return encodeSequence(encodeObjectIdentifier(OID.signedData), encodeElement(contextTag(0, true), signedData));
}

export interface SignerInfo {
  version: number;
  signerIdentifier: SignerIdentifier;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  hasSignedAttributes: boolean;
  signature: Buffer;
}

export interface SignedData {
  version: number;
  contentType: string;
  /** True when the content is inside the SignedData; module signatures are detached. */
  hasContent: boolean;
  signerInfos: SignerInfo[];
}

function decodeAlgorithm(element: DerElement | undefined, what: string): string {
  const [oid] = readChildren(expectTag(element, TAG.Sequence, what));
  return decodeObjectIdentifier(expectTag(oid, TAG.ObjectIdentifier, `${what} OID`));
}

function decodeSignerIdentifier(element: DerElement | undefined): SignerIdentifier {
  if (element?.tag === contextTag(0, false)) {
    return { type: 'subjectKeyIdentifier', subjectKeyIdentifier: element.value };
  }
  const [issuer, serial] = readChildren(expectTag(element, TAG.Sequence, 'SignerInfo sid'));
  return {
    type: 'issuerAndSerialNumber',
    issuer: expectTag(issuer, TAG.Sequence, 'sid issuer').raw,
    serialNumber: expectTag(serial, TAG.Integer, 'sid serialNumber').value,
  };
}

function decodeSignerInfo(element: DerElement): SignerInfo {
  const fields = readChildren(expectTag(element, TAG.Sequence, 'SignerInfo'));
  let next = 0;
  const version = decodeSmallInteger(expectTag(fields[next++], TAG.Integer, 'SignerInfo version'));
  const signerIdentifier = decodeSignerIdentifier(fields[next++]);
  const digestAlgorithm = decodeAlgorithm(fields[next++], 'SignerInfo digestAlgorithm');
  const hasSignedAttributes = fields[next]?.tag === contextTag(0, true);
  if (hasSignedAttributes) next++;
  const signatureAlgorithm = decodeAlgorithm(fields[next++], 'SignerInfo signatureAlgorithm');
  const signature = expectTag(fields[next], TAG.OctetString, 'SignerInfo signature').value;
  return { version, signerIdentifier, digestAlgorithm, signatureAlgorithm, hasSignedAttributes, signature };
}

/** Decodes a DER ContentInfo holding SignedData. Throws `DerError` when it is anything else. */
export function decodeSignedData(bytes: Uint8Array): SignedData {
  const [contentType, explicit] = readChildren(expectTag(readDer(bytes), TAG.Sequence, 'ContentInfo'));
  const type = decodeObjectIdentifier(expectTag(contentType, TAG.ObjectIdentifier, 'ContentInfo contentType'));
  if (type !== OID.signedData) throw new DerError(`ContentInfo contentType ${type} is not signedData`);
  const [signedData] = readChildren(expectTag(explicit, contextTag(0, true), 'ContentInfo content'));
  const fields = readChildren(expectTag(signedData, TAG.Sequence, 'SignedData'));
  const version = decodeSmallInteger(expectTag(fields[0], TAG.Integer, 'SignedData version'));
  expectTag(fields[1], TAG.Set, 'SignedData digestAlgorithms');
  const [eContentType, eContent] = readChildren(expectTag(fields[2], TAG.Sequence, 'SignedData encapContentInfo'));
  const signerInfos = expectTag(fields.at(-1), TAG.Set, 'SignedData signerInfos');
  return {
    version,
    contentType: decodeObjectIdentifier(expectTag(eContentType, TAG.ObjectIdentifier, 'eContentType')),
    hasContent: eContent !== undefined,
    signerInfos: readChildren(signerInfos).map(decodeSignerInfo),
  };
}
