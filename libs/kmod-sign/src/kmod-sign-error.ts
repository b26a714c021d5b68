/** Why an input could not be used at all. Expected bad input (unsigned module, wrong signature) is a result, not an error. */
export const KmodSignErrorCode = {
  InvalidOptions: 'InvalidOptions',
  InvalidKey: 'InvalidKey',
  UnsupportedKey: 'UnsupportedKey',
  InvalidCertificate: 'InvalidCertificate',
  KeyCertificateMismatch: 'KeyCertificateMismatch',
  MissingSubjectKeyIdentifier: 'MissingSubjectKeyIdentifier',
  UnsupportedHash: 'UnsupportedHash',
  NotAnElfModule: 'NotAnElfModule',
  AlreadySigned: 'AlreadySigned',
  MalformedSignature: 'MalformedSignature',
} as const;
export type KmodSignErrorCode = (typeof KmodSignErrorCode)[keyof typeof KmodSignErrorCode];

export class KmodSignError extends Error {
  override readonly name = 'KmodSignError';

  constructor(
    readonly code: KmodSignErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
