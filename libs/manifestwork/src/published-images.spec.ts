import type { ManifestWork } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { publishedImages } from './published-images.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('publishedImages', () => {
  it('reads the pinned image of every literal kernel mapping, and nothing without a ManifestWork', () => {
    const mw = {
      spec: {
        workload: {
          manifests: [
            {
              spec: {
                moduleLoader: {
                  container: {
                    kernelMappings: [
                      { literal: '6.1.0-56-amd64', containerImage: `reg.test/gpu@${DIGEST}` },
                      { literal: '6.1.0-57-amd64', containerImage: 'reg.test/gpu:6.1.0-57-amd64' },
                      { regexp: '^6', containerImage: `reg.test/gpu@${DIGEST}` },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
    } as unknown as ManifestWork;
    expect(publishedImages(mw)).toEqual(new Map([['6.1.0-56-amd64', `reg.test/gpu@${DIGEST}`]]));
    expect(publishedImages(undefined)).toEqual(new Map());
  });
});
