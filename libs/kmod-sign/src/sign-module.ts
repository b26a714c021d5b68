import { sign } from 'node:crypto';
import {
  appendModuleSignature,
  checkHash,
  checkUnsignedModule,
  type SignatureOptions,
} from './assemble-signed-module.js';
import { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
import { readSigningCertificate, type CertificateInput } from './signing-certificate.js';
import { readPrivateKey, type PrivateKeyInput } from './signing-key.js';
import { stripModuleSignature } from './strip-module-signature.js';

export type SignModuleOptions = PrivateKeyInput & CertificateInput & SignatureOptions;

/**
 * Signs a kernel module as the kernel's `scripts/sign-file` does, byte for byte: any existing signature is removed
 * first (sign-file would append a second one), then a detached CMS SignedData without attributes or certificates,
 * `struct module_signature` and the magic string are appended. RSA signatures (PKCS#1 v1.5) are deterministic, so
 * the output equals sign-file's; ECDSA signatures are randomized, so only their structure can equal it.
 */
export function signModule(moduleBytes: Uint8Array, options: SignModuleOptions): Buffer {
  const hash = checkHash(options.hash);
  const key = readPrivateKey(options);
  const cert = readSigningCertificate(options);
  if (!cert.x509.checkPrivateKey(key)) {
    throw new KmodSignError(
      KmodSignErrorCode.KeyCertificateMismatch,
      `signing key does not match the certificate ${cert.x509.subject}`,
    );
  }
  const module = stripModuleSignature(moduleBytes);
  checkUnsignedModule(module);
  return appendModuleSignature(module, cert, hash, sign(hash, module, key), options.signerIdentifier);
}
