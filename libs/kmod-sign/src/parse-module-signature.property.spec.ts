import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DerError, readChildren, readDer, type DerElement } from './der.js';
import { KmodSignError } from './kmod-sign-error.js';
import { encodeModuleSignatureTrailer } from './module-signature-trailer.js';
import { parseModuleSignature } from './parse-module-signature.js';
import { signModule } from './sign-module.js';
import { newModuleBytes, newSigningKey } from './signing-key.factory.js';
import { stripModuleSignature } from './strip-module-signature.js';
import { verifyModuleSignature } from './verify-module-signature.js';

// Fuzzing the parsers of what a build hands back (.ko files, their PKCS#7): any bytes end in a result or a typed
// error, and every buffer in a result is a view no larger than the input (nothing is allocated from a length field).

const key = newSigningKey({ type: 'ec-p256' });
const module = newModuleBytes(256);
const signed = signModule(module, { keyPem: key.keyPem, certPem: key.certPem, hash: 'sha256' });
const pkcs7 = signed.subarray(module.length, signed.length - 40);

/** A real signed module with some bytes of its PKCS#7 and trailer overwritten, or arbitrary bytes with a trailer. */
const moduleBytes = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(pkcs7.length + 39), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
    .map((edits) => {
      const copy = Buffer.from(signed);
      for (const [at, byte] of edits) copy[module.length + at] = byte;
      return copy;
    }),
  fc
    .tuple(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.boolean())
    .map(([body, length, trailer]) =>
      trailer ? Buffer.concat([body, encodeModuleSignatureTrailer(length)]) : Buffer.from(body),
    ),
  fc
    .uint8Array({ maxLength: 300 })
    .map((b) => Buffer.concat([Buffer.from(b), Buffer.from('~Module signature appended~\n')])),
);

function expectTypedFailure(run: () => void): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KmodSignError);
  }
}

/** Every element in the tree below `element`, depth first (bounded by the input: each is a view of it). */
function* walk(element: DerElement, depth = 0): Generator<DerElement> {
  yield element;
  if (depth > 20 || (element.tag & 0x20) === 0) return;
  for (const child of readChildren(element)) yield* walk(child, depth + 1);
}

describe('module signature parsing (fuzz)', () => {
  it('parseModuleSignature: a result whose buffers are views within the input, or a KmodSignError', () => {
    fc.assert(
      fc.property(moduleBytes, (bytes) => {
        expectTypedFailure(() => {
          const parsed = parseModuleSignature(bytes);
          expect(parsed.module.length).toBeLessThanOrEqual(bytes.length);
          if (parsed.signed) {
            expect(parsed.signature.pkcs7.buffer).toBe(bytes.buffer);
            expect(parsed.signature.signature.length).toBeLessThanOrEqual(bytes.length);
          }
        });
      }),
      { numRuns: 3_000 },
    );
  });

  it('stripModuleSignature: a prefix of the input, or a KmodSignError', () => {
    fc.assert(
      fc.property(fc.array(moduleBytes, { minLength: 1, maxLength: 3 }), (parts) => {
        const bytes = Buffer.concat(parts);
        expectTypedFailure(() => {
          const stripped = stripModuleSignature(bytes);
          expect(stripped.length).toBeLessThanOrEqual(bytes.length);
          expect(bytes.subarray(0, stripped.length).equals(stripped)).toBe(true);
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('verifyModuleSignature: a verdict or a KmodSignError, never a crash, on a damaged signature', () => {
    fc.assert(
      fc.property(moduleBytes, (bytes) => {
        expectTypedFailure(() => void verifyModuleSignature(bytes, { certPem: key.certPem }));
      }),
      { numRuns: 500 },
    );
  });

  it('readDer/readChildren: elements within the input, or a DerError; huge declared lengths allocate nothing', () => {
    const der = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Long-form lengths up to 2^32 - 1 behind a plausible tag.
      fc
        .tuple(
          fc.constantFrom(0x30, 0x31, 0x04, 0x06, 0xa0),
          fc.integer({ min: 1, max: 4 }),
          fc.nat(),
          fc.uint8Array({ maxLength: 16 }),
        )
        .map(([tag, count, length, rest]) => {
          const len = Buffer.alloc(4);
          len.writeUInt32BE(length >>> 0);
          return new Uint8Array([tag, 0x80 | count, ...len.subarray(4 - count), ...rest]);
        }),
      fc.nat(pkcs7.length - 1).chain((at) =>
        fc.integer({ min: 0, max: 255 }).map((byte) => {
          const copy = Buffer.from(pkcs7);
          copy[at] = byte;
          return new Uint8Array(copy);
        }),
      ),
    );
    const before = process.memoryUsage().arrayBuffers;
    fc.assert(
      fc.property(der, (bytes) => {
        try {
          for (const element of walk(readDer(bytes))) {
            expect(element.raw.buffer).toBe(bytes.buffer);
            expect(element.raw.length).toBeLessThanOrEqual(bytes.length);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(DerError);
        }
      }),
      { numRuns: 3_000 },
    );
    // A length of 2^31 read as an allocation would show here; views of small inputs do not.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('rejects a declared length of 2^31 without allocating it', () => {
    const bytes = new Uint8Array([0x30, 0x84, 0x80, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00]);
    const started = performance.now();
    expect(() => readDer(bytes)).toThrow(DerError);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
