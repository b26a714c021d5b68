// A small DER (ITU-T X.690) reader and writer: one-byte tags and definite lengths, which is all that
// X.509 certificates and CMS SignedData use. The reader never reads past its input.

export const TAG = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  ObjectIdentifier: 0x06,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  Ia5String: 0x16,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  BmpString: 0x1e,
  Sequence: 0x30,
  Set: 0x31,
} as const;

/** Tag of a context-specific field `[n]`: constructed for EXPLICIT or constructed types, primitive otherwise. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** The input is not the DER this reader expects. Callers wrap it in a `KmodSignError` that says what was read. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface DerElement {
  tag: number;
  /** The whole encoding: tag, length and value. */
  raw: Buffer;
  /** The value (contents octets). */
  value: Buffer;
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readElementAt(input: Buffer, offset: number): DerElement {
  const tag = input[offset];
  const first = input[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError(`truncated element at offset ${offset}`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at offset ${offset}`);
  let length = first;
  let header = 2;
  if (first === 0x80) throw new DerError(`indefinite length at offset ${offset}`);
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw new DerError(`length of ${count} bytes at offset ${offset}`);
    if (offset + 2 + count > input.length) throw new DerError(`truncated length at offset ${offset}`);
    length = input.readUIntBE(offset + 2, count);
    header += count;
  }
  const end = offset + header + length;
  if (end > input.length) throw new DerError(`element at offset ${offset} runs past the end of its parent`);
  return { tag, raw: input.subarray(offset, end), value: input.subarray(offset + header, end) };
}

/** Reads the one element that `bytes` must consist of. */
export function readDer(bytes: Uint8Array): DerElement {
  const input = view(bytes);
  const element = readElementAt(input, 0);
  if (element.raw.length !== input.length) {
    throw new DerError(`${input.length - element.raw.length} bytes after the element`);
  }
  return element;
}

/** Reads the elements inside a constructed element (SEQUENCE, SET, explicit `[n]`). */
export function readChildren(parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < parent.value.length;) {
    const child = readElementAt(parent.value, offset);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) throw new DerError(`${what} is missing`);
  if (element.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
  }
  return element;
}

export function decodeObjectIdentifier(element: DerElement): string {
  const arcs: number[] = [];
  let arc = 0;
  for (const byte of element.value) {
    if (arc > 2 ** 45) throw new DerError('object identifier arc too large');
    arc = arc * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(arc);
      arc = 0;
    }
  }
  const [head] = arcs;
  if (head === undefined || (element.value.at(-1) ?? 0) & 0x80) throw new DerError('truncated object identifier');
  const top = Math.min(Math.floor(head / 40), 2);
  return [top, head - top * 40, ...arcs.slice(1)].join('.');
}

/** A small non-negative INTEGER such as a version number. */
export function decodeSmallInteger(element: DerElement): number {
  if (element.value.length === 0 || element.value.length > 4 || (element.value[0] ?? 0) & 0x80) {
    throw new DerError('expected a small non-negative INTEGER');
  }
  return element.value.readUIntBE(0, element.value.length);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeElement(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function encodeSequence(...items: Uint8Array[]): Buffer {
  return encodeElement(TAG.Sequence, Buffer.concat(items));
}

/** A SET with one member. DER orders the members of a SET OF; every SET built in this library has exactly one. */
export function encodeSetOfOne(item: Uint8Array): Buffer {
  return encodeElement(TAG.Set, item);
}

export function encodeObjectIdentifier(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const [top = NaN, second = NaN, ...rest] = arcs;
  if (arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0) || arcs.length < 2 || top > 2) {
    throw new DerError(`invalid object identifier ${oid}`);
  }
  const bytes: number[] = [];
  for (const arc of [top * 40 + second, ...rest]) {
    const group = [arc % 128];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128)) group.unshift(0x80 | (high % 128));
    bytes.push(...group);
  }
  return encodeElement(TAG.ObjectIdentifier, Buffer.from(bytes));
}

/** A small non-negative INTEGER (0..127), such as a version number. */
export function encodeSmallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 127) throw new DerError(`integer ${value} out of range`);
  return encodeElement(TAG.Integer, Buffer.from([value]));
}

export function encodeNull(): Buffer {
  return encodeElement(TAG.Null, Buffer.alloc(0));
}

export function encodeOctetString(value: Uint8Array): Buffer {
  return encodeElement(TAG.OctetString, value);
}
