import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCredentials, parseDockerConfig } from './docker-config.js';
import { formatImageReference, InvalidImageReferenceError, parseImageReference } from './image-reference.js';
import { buildLayer, readLayer } from './layer-tar.js';
import { parseImageConfig, parseManifest } from './manifest.js';
import { parseRegistryErrorBody } from './registry-error.js';
import { findBearerChallenge, parseWwwAuthenticate } from './www-authenticate.js';

// Fuzzing what registries and users hand us: any input ends in a result or a deliberate error with a message
// (never a TypeError/RangeError from reading a field that is not there), and results stay within the input's size.

/** A deliberate refusal: an Error with a message, not the JavaScript engine tripping over a missing field. */
function expectDeliberate(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(TypeError);
  expect(error).not.toBeInstanceOf(RangeError);
  expect(error).not.toBeInstanceOf(ReferenceError);
  expect((error as Error).message).not.toBe('');
}

const digest = fc.constantFrom(`sha256:${'a'.repeat(64)}`, `sha512:${'b'.repeat(128)}`, 'sha256:xyz', 'md5:00', '');
const descriptor = fc.oneof(
  fc.record({
    mediaType: fc.constantFrom('application/vnd.oci.image.layer.v1.tar+gzip', ''),
    digest,
    size: fc.oneof(fc.nat(), fc.constant(-1)),
  }),
  fc.jsonValue(),
);
/** Manifest-shaped JSON with any field broken or missing, or arbitrary JSON, or arbitrary bytes. */
const manifestBytes = fc.oneof(
  fc
    .record(
      {
        schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()),
        mediaType: fc.constantFrom(
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.docker.distribution.manifest.v2+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'text/plain',
        ),
        config: descriptor,
        layers: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
        manifests: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((m) => Buffer.from(JSON.stringify(m))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

describe('registry response parsers (fuzz)', () => {
  it('parseManifest and parseImageConfig: a parsed document or a deliberate error', () => {
    const contentType = fc.option(fc.constantFrom('application/vnd.oci.image.index.v1+json; charset=utf-8', ';', ''));
    fc.assert(
      fc.property(manifestBytes, contentType, (bytes, type) => {
        try {
          const parsed = parseManifest(bytes, type ?? undefined);
          expect(['manifest', 'index']).toContain(parsed.kind);
        } catch (error) {
          expectDeliberate(error);
        }
        try {
          parseImageConfig(bytes);
        } catch (error) {
          expectDeliberate(error);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('parseWwwAuthenticate never throws; every parameter value is a piece of the header', () => {
    const header = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({
        unit: fc.constantFrom(
          'Bearer ',
          'Basic ',
          'realm=',
          '"',
          '\\',
          ',',
          ' ',
          '=',
          'service',
          'scope=',
          'https://r/t',
          'a',
          '==',
        ),
        maxLength: 20,
      }),
    );
    fc.assert(
      fc.property(header, (text) => {
        const challenges = parseWwwAuthenticate(text);
        let total = 0;
        for (const c of challenges) {
          expect(typeof c.scheme).toBe('string');
          for (const value of Object.values(c.params)) total += value.length;
        }
        expect(total).toBeLessThanOrEqual(text.length);
        const bearer = findBearerChallenge(challenges);
        if (bearer !== undefined) expect(typeof bearer.realm).toBe('string');
      }),
      { numRuns: 3_000 },
    );
  });

  it('parseRegistryErrorBody never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const parsed = parseRegistryErrorBody(text);
          if (parsed !== undefined) expect(typeof parsed.code).toBe('string');
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('parseDockerConfig: a config or issues, never a throw, and issues never quote a password', () => {
    const password = fc.stringMatching(/^PW[A-Za-z0-9]{6,12}$/);
    const entry = fc.oneof(
      fc.record({ username: fc.constantFrom('u', ''), password }, { requiredKeys: [] }),
      password.map((p) => ({ auth: Buffer.from(`u:${p}`).toString('base64') })),
      password.map((p) => ({ auth: `${p}!` })),
      password.map((p) => ({ auth: Buffer.from(p).toString('base64') })),
      fc.jsonValue(),
    );
    const config = fc.oneof(
      fc
        .dictionary(fc.constantFrom('registry.example', 'https://r.example:5000/v2/', '*.example.com', 'auths'), entry)
        .map((auths) => ({ auths })),
      fc.dictionary(fc.constantFrom('registry.example', 'docker.io'), entry),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(config, (value) => {
        const text = JSON.stringify(value) ?? '';
        const result = parseDockerConfig(text);
        if (result.ok) {
          findCredentials(result.config, 'registry.example', 'kmm/driver');
        } else {
          const secrets = text.match(/PW[A-Za-z0-9]{6,12}/g) ?? [];
          for (const issue of result.issues) for (const secret of secrets) expect(issue).not.toContain(secret);
        }
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(() => parseDockerConfig(bytes)).not.toThrow();
      }),
    );
  });

  it('parseImageReference: a reference that formats and parses back to itself, or InvalidImageReferenceError', () => {
    const reference = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(
          'registry.example',
          ':5000',
          '/',
          'kmm',
          'driver',
          ':',
          '6.8.0-49-generic',
          '@',
          'sha256:',
          'a'.repeat(64),
          '.',
          '-',
          '_',
          '__',
          'UP',
          '[::1]',
          'localhost',
        ),
        maxLength: 8,
      }),
    );
    fc.assert(
      fc.property(reference, (text) => {
        try {
          const ref = parseImageReference(text);
          expect(parseImageReference(formatImageReference(ref))).toEqual(ref);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidImageReferenceError);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('readLayer on damaged tar bytes: entries whose content fits in the input, or a deliberate error', async () => {
    const layer = await buildLayer([
      { path: '/lib/modules/6.1.0-28-amd64/extra/a.ko', content: Buffer.from('\x7fELF module a') },
      { path: '/etc/kmm/b.conf', content: Buffer.alloc(700, 0x61) },
    ]);
    const tar = gunzipSync(layer.blob);
    const damaged = fc.oneof(
      fc
        .array(fc.tuple(fc.nat(tar.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((edits) => {
          const copy = Buffer.from(tar);
          for (const [at, byte] of edits) copy[at] = byte;
          return copy;
        }),
      fc.nat(tar.length).map((n) => tar.subarray(0, n)),
      fc.uint8Array({ maxLength: 1_200 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        try {
          const changes = await readLayer(bytes, () => true);
          const kept = changes.entries.reduce((n, e) => n + (e.content?.length ?? 0), 0);
          expect(kept).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expectDeliberate(error);
        }
      }),
      { numRuns: 500 },
    );
  });
});
