/**
 * The hash upstream KMM v1.1 names its DaemonSets with (controllers/module_reconciler.go `handleDriverContainer`,
 * `handleDevicePlugin`: `hashstructure.Hash(hashData{…}, hashstructure.FormatV2, nil)`), for a Go struct whose fields
 * are all strings. github.com/mitchellh/hashstructure/v2 v2.0.2 hashstructure.go `walker.visit`: a string is FNV-1
 * (64-bit, not FNV-1a) of its bytes; a struct starts from the hash of its type name and, per exported field in
 * declaration order, XORs in the FNV-1 of the little-endian field-name hash and value hash, then re-hashes the running
 * value (`hashFinishUnordered`, FormatV2).
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

function fnv1(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h * FNV_PRIME) & MASK) ^ BigInt(b);
  return h;
}

const hashString = (s: string) => fnv1(new TextEncoder().encode(s));

function littleEndian(...values: bigint[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigUint64(i * 8, v, true));
  return bytes;
}

/** `hashstructure.Hash(T{fields…}, FormatV2, nil)` for `type <typeName> struct` of string fields, as unsigned. */
export function hashGoStringStruct(typeName: string, fields: readonly (readonly [string, string])[]): bigint {
  let h = hashString(typeName);
  for (const [name, value] of fields) {
    h ^= fnv1(littleEndian(hashString(name), hashString(value)));
    h = fnv1(littleEndian(h));
  }
  return h;
}
