import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';

/**
 * The private key: PEM (PKCS#8, PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`) or DER in any of those forms.
 * `passphrase` decrypts an encrypted key (sign-file reads it from KBUILD_SIGN_PIN).
 */
export type PrivateKeyInput = ({ keyPem: string; keyDer?: never } | { keyDer: Uint8Array; keyPem?: never }) & {
  passphrase?: string;
};

const DER_KEY_TYPES = ['pkcs8', 'pkcs1', 'sec1'] as const;

function createFromDer(der: Buffer, passphrase: string | undefined): KeyObject {
  const failures: unknown[] = [];
  for (const type of DER_KEY_TYPES) {
    try {
      return createPrivateKey({ key: der, format: 'der', type, passphrase });
    } catch (cause) {
      failures.push(cause);
    }
  }
  throw new AggregateError(failures, `not a PKCS#8, PKCS#1 or SEC1 private key`);
}

/** Reads an RSA or EC private key. */
export function readPrivateKey(input: PrivateKeyInput): KeyObject {
  if ((input.keyPem === undefined) === (input.keyDer === undefined)) {
    throw new KmodSignError(KmodSignErrorCode.InvalidOptions, 'give exactly one of keyPem and keyDer');
  }
  let key: KeyObject;
  try {
    key =
      input.keyPem !== undefined
        ? createPrivateKey({ key: input.keyPem, format: 'pem', passphrase: input.passphrase })
        : createFromDer(Buffer.from(input.keyDer ?? []), input.passphrase);
  } catch (cause) {
    throw new KmodSignError(KmodSignErrorCode.InvalidKey, 'read signing key', { cause });
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw new KmodSignError(
      KmodSignErrorCode.UnsupportedKey,
      `signing key type ${key.asymmetricKeyType ?? 'unknown'} is not supported; use RSA or ECDSA`,
    );
  }
  return key;
}
