// Object identifiers used by module signatures and X.509 certificates.

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

/** Hash algorithms `signModule` signs with; the kernel's `sign-file` accepts the same names. */
export const HASH_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

export function isHashAlgorithm(value: unknown): value is HashAlgorithm {
  return HASH_ALGORITHMS.some((hash) => hash === value);
}

/** Digest names by OID, spelled as modinfo prints `sig_hashalgo` and as node:crypto accepts them. */
export const DIGEST_NAME_BY_OID: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
};

export const SignatureAlgorithm = { Rsa: 'rsa', Ecdsa: 'ecdsa' } as const;
export type SignatureAlgorithm = (typeof SignatureAlgorithm)[keyof typeof SignatureAlgorithm];

/** Public-key algorithm by signatureAlgorithm OID, for the OIDs the kernel's PKCS#7 parser accepts. */
export const SIGNATURE_ALGORITHM_BY_OID: Readonly<Record<string, SignatureAlgorithm>> = {
  [OID.rsaEncryption]: SignatureAlgorithm.Rsa,
  '1.2.840.113549.1.1.5': SignatureAlgorithm.Rsa, // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': SignatureAlgorithm.Rsa, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': SignatureAlgorithm.Rsa, // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13': SignatureAlgorithm.Rsa, // sha512WithRSAEncryption
  '1.2.840.113549.1.1.14': SignatureAlgorithm.Rsa, // sha224WithRSAEncryption
  '1.2.840.10045.4.1': SignatureAlgorithm.Ecdsa, // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': SignatureAlgorithm.Ecdsa, // ecdsa-with-SHA224
  [OID.ecdsaWithSha256]: SignatureAlgorithm.Ecdsa,
  [OID.ecdsaWithSha384]: SignatureAlgorithm.Ecdsa,
  [OID.ecdsaWithSha512]: SignatureAlgorithm.Ecdsa,
};

export const ECDSA_OID_BY_HASH: Readonly<Record<HashAlgorithm, string>> = {
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};
