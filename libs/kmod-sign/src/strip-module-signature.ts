import { readModuleSignatureTrailer } from './module-signature-trailer.js';

/**
 * Returns the module without any appended signature: every signature is removed, so a module that was signed twice
 * (sign-file appends rather than replaces) comes back bare. Unsigned input comes back unchanged. The result is a view
 * of the input, not a copy. Throws `KmodSignError` (MalformedSignature) when the magic string is present but the
 * signature block around it is impossible.
 */
export function stripModuleSignature(moduleBytes: Uint8Array): Buffer {
  let length = moduleBytes.length;
  for (
    let trailer = readModuleSignatureTrailer(moduleBytes);
    trailer !== null;
    trailer = readModuleSignatureTrailer(moduleBytes.subarray(0, length))
  ) {
    length = trailer.moduleLength;
  }
  return Buffer.from(moduleBytes.buffer, moduleBytes.byteOffset, length);
}
