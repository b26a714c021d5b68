import { describe, expect, it } from 'vitest';
import { parseImageConfig, parseManifest } from './manifest.js';
import { MEDIA_TYPE } from './media-types.js';

const desc = { mediaType: 'x', digest: `sha256:${'a'.repeat(64)}`, size: 1 };
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseManifest', () => {
  it.each([
    [
      { schemaVersion: 2, mediaType: MEDIA_TYPE.DOCKER_MANIFEST, config: desc, layers: [] },
      undefined,
      'manifest',
      MEDIA_TYPE.DOCKER_MANIFEST,
    ],
    [
      { schemaVersion: 2, config: desc, layers: [desc] },
      `${MEDIA_TYPE.OCI_MANIFEST}; charset=utf-8`,
      'manifest',
      MEDIA_TYPE.OCI_MANIFEST,
    ],
    [{ schemaVersion: 2, config: desc, layers: [] }, 'application/octet-stream', 'manifest', MEDIA_TYPE.OCI_MANIFEST],
    [{ schemaVersion: 2, manifests: [desc] }, undefined, 'index', MEDIA_TYPE.OCI_INDEX],
    [
      { schemaVersion: 2, mediaType: MEDIA_TYPE.DOCKER_MANIFEST_LIST, manifests: [] },
      undefined,
      'index',
      MEDIA_TYPE.DOCKER_MANIFEST_LIST,
    ],
  ])('reads %j (Content-Type %s) as %s %s', (body, contentType, kind, mediaType) => {
    expect(parseManifest(bytes(body), contentType)).toMatchObject({ kind, mediaType });
  });

  it.each([
    ['{', 'manifest is not valid JSON'],
    ['[]', 'manifest must be a JSON object'],
    ['{"schemaVersion":1}', 'manifest schemaVersion 1 is not 2'],
    // Found by registry-parsers.property.spec.ts: String() of this object threw a TypeError.
    ['{"schemaVersion":{"toString":0}}', 'manifest schemaVersion {"toString":0} is not 2'],
    ['{"schemaVersion":2,"layers":[]}', 'config is not a descriptor object'],
    [JSON.stringify({ schemaVersion: 2, config: desc }), 'manifest has no "layers" array'],
    [
      JSON.stringify({ schemaVersion: 2, config: { ...desc, digest: 'sha256:x' }, layers: [] }),
      'config.digest is not a sha256 or sha512 digest',
    ],
    [
      JSON.stringify({ schemaVersion: 2, config: desc, layers: [{ ...desc, size: -1 }] }),
      'layers[0].size is not a non-negative integer',
    ],
    [JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.OCI_INDEX }), 'index has no "manifests" array'],
  ])('rejects %s', (text, message) => {
    expect(() => parseManifest(Buffer.from(text))).toThrow(message);
  });
});

describe('parseImageConfig', () => {
  it('keeps unknown fields', () => {
    const config = { os: 'linux', rootfs: { type: 'layers', diff_ids: [desc.digest] }, extra: { a: 1 } };
    expect(parseImageConfig(bytes(config))).toEqual(config);
  });

  it.each([
    [{ os: 'linux' }, 'image config has no rootfs of type "layers" with "diff_ids"'],
    [{ rootfs: { type: 'layers', diff_ids: ['nope'] } }, 'image config diff_id "nope" is not a digest'],
    [
      { rootfs: { type: 'layers', diff_ids: [{ toString: 0 }] } },
      'image config diff_id {"toString":0} is not a digest',
    ],
    [{ rootfs: { type: 'layers', diff_ids: [] }, history: {} }, 'image config "history" must be an array'],
  ])('rejects %j', (config, message) => {
    expect(() => parseImageConfig(bytes(config))).toThrow(message);
  });
});
