import { describe, expect, it } from 'vitest';
import { appendLayerToImage } from './append-layer.js';
import { sha256Digest } from '@kmm-hub/image-reference';
import type { ImageConfig, ImageManifest } from './manifest.js';
import { MEDIA_TYPE } from './media-types.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

function dockerBase(): { manifest: ImageManifest; config: ImageConfig } {
  return {
    manifest: {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.DOCKER_MANIFEST,
      config: { mediaType: MEDIA_TYPE.DOCKER_CONFIG, digest: d('c'), size: 10 },
      layers: [
        { mediaType: MEDIA_TYPE.DOCKER_LAYER_GZIP, digest: d('1'), size: 11 },
        { mediaType: MEDIA_TYPE.DOCKER_LAYER_FOREIGN_GZIP, digest: d('2'), size: 12, urls: ['https://x/y'] },
      ],
    },
    config: {
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin'], Labels: { a: 'b' } },
      rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
      history: [{ created_by: 'ADD rootfs' }, { created_by: 'ENV x', empty_layer: true }, { created_by: 'RUN y' }],
      docker_version: '24',
    },
  };
}

const LAYER = { mediaType: MEDIA_TYPE.OCI_LAYER_GZIP, digest: d('e'), size: 99, diffId: d('f') };

describe('appendLayerToImage', () => {
  it('adds the layer on top and its diffID to the config', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER);
    expect(sut.manifest.layers.at(-1)).toEqual({ mediaType: LAYER.mediaType, digest: LAYER.digest, size: 99 });
    expect(sut.config.rootfs.diff_ids).toEqual([d('a'), d('b'), d('f')]);
  });

  it('writes OCI media types and keeps blobs, sizes and urls of base layers', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER);
    expect(sut.manifest.mediaType).toBe(MEDIA_TYPE.OCI_MANIFEST);
    expect(sut.manifest.config.mediaType).toBe(MEDIA_TYPE.OCI_CONFIG);
    expect(sut.manifest.layers.slice(0, 2)).toEqual([
      { mediaType: MEDIA_TYPE.OCI_LAYER_GZIP, digest: d('1'), size: 11 },
      { mediaType: MEDIA_TYPE.OCI_LAYER_NONDISTRIBUTABLE_GZIP, digest: d('2'), size: 12, urls: ['https://x/y'] },
    ]);
  });

  it('keeps every other config field and appends one history entry', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER, { createdBy: 'kmm-hub sign', comment: 'signed' });
    expect(sut.config).toMatchObject({
      architecture: 'amd64',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin'], Labels: { a: 'b' } },
      docker_version: '24',
    });
    expect(sut.config.history).toHaveLength(4);
    expect(sut.config.history?.at(-1)).toEqual({ created_by: 'kmm-hub sign', comment: 'signed' });
    const nonEmpty = sut.config.history?.filter((h) => !h.empty_layer) ?? [];
    expect(nonEmpty).toHaveLength(sut.manifest.layers.length);
  });

  it('sets created on the config and the history entry when given', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER, { created: '2026-11-27T00:00:00Z' });
    expect(sut.config.created).toBe('2026-11-27T00:00:00Z');
    expect(sut.config.history?.at(-1)).toEqual({ created: '2026-11-27T00:00:00Z' });
  });

  it('describes the config bytes it returns and serialises the manifest it returns', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER);
    expect(sut.configDescriptor).toEqual({
      mediaType: MEDIA_TYPE.OCI_CONFIG,
      digest: sha256Digest(sut.configBytes),
      size: sut.configBytes.byteLength,
    });
    expect(JSON.parse(sut.configBytes.toString())).toEqual(sut.config);
    expect(JSON.parse(sut.manifestBytes.toString())).toEqual(sut.manifest);
    expect(sut.manifest.config).toEqual(sut.configDescriptor);
  });

  it('is deterministic', () => {
    const a = appendLayerToImage(dockerBase(), LAYER, { baseName: 'r/x', baseDigest: d('9') });
    const b = appendLayerToImage(dockerBase(), LAYER, { baseName: 'r/x', baseDigest: d('9') });
    expect(b.manifestBytes.equals(a.manifestBytes)).toBe(true);
  });

  it('records the base image as annotations', () => {
    const sut = appendLayerToImage(dockerBase(), LAYER, { baseName: 'reg/x:v1', baseDigest: d('9') });
    expect(sut.manifest.annotations).toEqual({
      'org.opencontainers.image.base.name': 'reg/x:v1',
      'org.opencontainers.image.base.digest': d('9'),
    });
    expect(appendLayerToImage(dockerBase(), LAYER).manifest.annotations).toBeUndefined();
  });

  it('does not invent history for a base with layers but none', () => {
    const base = dockerBase();
    delete base.config.history;
    expect(appendLayerToImage(base, LAYER).config.history).toBeUndefined();
  });

  it('starts history for an empty base', () => {
    const base = dockerBase();
    base.manifest.layers = [];
    base.config.rootfs.diff_ids = [];
    delete base.config.history;
    expect(appendLayerToImage(base, LAYER, { createdBy: 'x' }).config.history).toEqual([{ created_by: 'x' }]);
  });

  it('refuses a base whose config and manifest disagree on the layer count', () => {
    const base = dockerBase();
    base.config.rootfs.diff_ids = [d('a')];
    expect(() => appendLayerToImage(base, LAYER)).toThrow('base image has 2 layers but 1 diff_ids in its config');
  });

  it('does not modify the base', () => {
    const base = dockerBase();
    const before = structuredClone(base);
    appendLayerToImage(base, LAYER, { created: '2026-01-01T00:00:00Z' });
    expect(base).toEqual(before);
  });
});
