import { describe, expect, it } from 'vitest';
import {
  DerError,
  TAG,
  decodeObjectIdentifier,
  encodeElement,
  encodeObjectIdentifier,
  encodeSequence,
  readChildren,
  readDer,
} from './der.js';
import { OID } from './oid.js';

describe('encodeElement', () => {
  it.each([
    { length: 0, header: '0400' },
    { length: 127, header: '047f' },
    { length: 128, header: '048180' },
    { length: 255, header: '0481ff' },
    { length: 256, header: '04820100' },
    { length: 70_000, header: '0483011170' },
  ])('writes the minimal length form for $length bytes', ({ length, header }) => {
    const sut = encodeElement(TAG.OctetString, Buffer.alloc(length));

    expect(sut.subarray(0, header.length / 2).toString('hex')).toBe(header);
    expect(sut.length).toBe(header.length / 2 + length);
  });
});

describe('encodeObjectIdentifier', () => {
  it.each([
    { oid: OID.sha256, hex: '0609608648016503040201' },
    { oid: OID.signedData, hex: '06092a864886f70d010702' },
    { oid: OID.commonName, hex: '0603550403' },
    { oid: '2.999.3', hex: '0603883703' },
  ])('encodes $oid and decodes it back', ({ oid, hex }) => {
    const sut = encodeObjectIdentifier(oid);

    expect(sut.toString('hex')).toBe(hex);
    expect(decodeObjectIdentifier(readDer(sut))).toBe(oid);
  });

  it.each(['1', '3.1', '1.2.x', '1.-2'])('rejects %s', (oid) => {
    expect(() => encodeObjectIdentifier(oid)).toThrow(DerError);
  });
});

describe('readDer', () => {
  it('reads nested elements as views of the input', () => {
    const input = encodeSequence(encodeObjectIdentifier(OID.data), encodeElement(TAG.OctetString, Buffer.from('ko')));

    const sut = readChildren(readDer(input));

    expect(sut.map((element) => element.tag)).toEqual([TAG.ObjectIdentifier, TAG.OctetString]);
    expect(sut[1]?.value.toString()).toBe('ko');
    expect(sut[1]?.value.buffer).toBe(input.buffer);
  });

  it.each([
    { name: 'an empty input', hex: '' },
    { name: 'a missing length', hex: '30' },
    { name: 'a value shorter than its length', hex: '0403aabb' },
    { name: 'a truncated long length', hex: '048201' },
    { name: 'an indefinite length', hex: '30800000' },
    { name: 'a five-byte length', hex: '04850000000001aa' },
    { name: 'a multi-byte tag', hex: '1f810100' },
    { name: 'trailing bytes', hex: '0500ff' },
    { name: 'a child running past its parent', hex: '30030402aa' },
  ])('rejects $name', ({ hex }) => {
    expect(() => readChildren(readDer(Buffer.from(hex, 'hex')))).toThrow(DerError);
  });
});
