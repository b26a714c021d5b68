import { describe, expect, it } from 'vitest';
import { planImageFinding, type ImageFindingInput, type ImageFindingStep } from './plan-image-finding.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const IMAGE = 'reg.test/gpu:6.1.0-56-amd64';
const PUBLISHED = `reg.test/gpu@${D1}`;
const base: ImageFindingInput = {
  image: IMAGE,
  lookup: { kind: 'checking' },
  published: undefined,
  buildsOrSigns: false,
  pipeline: true,
};

describe(planImageFinding.name, () => {
  it.each<[string, Partial<ImageFindingInput>, ImageFindingStep]>([
    [
      'a present image without build or sign is used as the registry answered',
      { lookup: { kind: 'present', digest: D2 }, published: PUBLISHED },
      { kind: 'finding', finding: { kind: 'present', digest: D2 } },
    ],
    [
      'a present built image is asked for again with the digest the registry just answered',
      { lookup: { kind: 'present', digest: D2 }, buildsOrSigns: true },
      { kind: 'rebuild', finding: { kind: 'present', digest: D2 }, presentDigest: D2 },
    ],
    [
      'a present built image on a hub without a pipeline is used as it is',
      { lookup: { kind: 'present', digest: D2 }, buildsOrSigns: true, pipeline: false },
      { kind: 'finding', finding: { kind: 'present', digest: D2 } },
    ],
    [
      'a check still running keeps the published digest',
      { lookup: { kind: 'checking' }, published: PUBLISHED },
      { kind: 'finding', finding: { kind: 'present', digest: D1 } },
    ],
    [
      'a failing registry keeps the published digest and says why it was not re-checked',
      { lookup: { kind: 'error', message: 'HEAD: 500' }, published: PUBLISHED },
      { kind: 'finding', finding: { kind: 'present', digest: D1, recheckError: 'HEAD: 500' } },
    ],
    [
      'a kept digest of a built image is asked for again without a presentDigest (it may predate a push)',
      { lookup: { kind: 'error', message: 'HEAD: 500' }, published: PUBLISHED, buildsOrSigns: true },
      { kind: 'rebuild', finding: { kind: 'present', digest: D1, recheckError: 'HEAD: 500' } },
    ],
    [
      'a digest published for another repository is not kept',
      { lookup: { kind: 'checking' }, published: `other.test/gpu@${D1}` },
      { kind: 'finding', finding: { kind: 'checking' } },
    ],
    [
      'a failing registry with nothing published is an error',
      { lookup: { kind: 'error', message: 'HEAD: 500' } },
      { kind: 'finding', finding: { kind: 'error', message: 'HEAD: 500' } },
    ],
    [
      'an absent image without build or sign is missing',
      { lookup: { kind: 'absent' } },
      { kind: 'finding', finding: { kind: 'missing' } },
    ],
    [
      'an absent built image goes to the pipeline',
      { lookup: { kind: 'absent' }, buildsOrSigns: true },
      { kind: 'pipeline' },
    ],
    [
      'an absent built image on a hub without a pipeline is an error naming the image',
      { lookup: { kind: 'absent' }, buildsOrSigns: true, pipeline: false },
      {
        kind: 'finding',
        finding: { kind: 'error', message: `image ${IMAGE} must be built, but no image pipeline is configured` },
      },
    ],
  ])('%s', (_, input, expected) => {
    expect(planImageFinding({ ...base, ...input })).toEqual(expected);
  });
});
