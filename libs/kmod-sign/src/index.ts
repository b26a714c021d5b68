// Kernel module signing without sign-file or openssl: parse, strip, sign and verify the appended PKCS#7 signature
// (`~Module signature appended~`). Pure: keys, certificates and module bytes come in as parameters.
export {
  assembleSignedModule,
  type AssembleSignedModuleOptions,
  type SignatureOptions,
} from './assemble-signed-module.js';
export type { SignerIdentifier, SignerIdentifierType } from './cms-signed-data.js';
export { KmodSignError, KmodSignErrorCode } from './kmod-sign-error.js';
export { MODULE_SIGNATURE_MAGIC } from './module-signature-trailer.js';
export { HASH_ALGORITHMS, SignatureAlgorithm, type HashAlgorithm } from './oid.js';
export { parseModuleSignature, type ModuleSignatureInfo, type ParsedModule } from './parse-module-signature.js';
export { signModule, type SignModuleOptions } from './sign-module.js';
export type { CertificateInput } from './signing-certificate.js';
export type { PrivateKeyInput } from './signing-key.js';
export { stripModuleSignature } from './strip-module-signature.js';
export {
  VerifyFailureReason,
  verifyModuleSignature,
  type VerifyModuleSignatureResult,
} from './verify-module-signature.js';
