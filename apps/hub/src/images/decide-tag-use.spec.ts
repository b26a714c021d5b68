import { describe, expect, it } from 'vitest';
import { type TagContent, decideTagUse, describeMovedTag, describeTagUse } from './decide-tag-use.js';

const JOB = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('decideTagUse', () => {
  it.each<[string, TagContent | undefined, ReturnType<typeof decideTagUse>]>([
    ['an absent tag is produced', undefined, { use: 'produced' }],
    ["the job's own output is reused", { digest: D1, producedBy: JOB }, { use: 'reused', digest: D1 }],
    [
      "the hub's image of other inputs is replaced",
      { digest: D1, producedBy: OTHER },
      { use: 'replaced', digest: D1, previousJobId: OTHER },
    ],
    ['an image the hub did not make is kept as it is', { digest: D1 }, { use: 'kept', digest: D1 }],
  ])('%s', (_, current, expected) => {
    expect(decideTagUse(current, JOB)).toEqual(expected);
  });
});

describe('describeTagUse', () => {
  it.each([
    ['produced', undefined, undefined],
    ['reused', undefined, undefined],
    [undefined, undefined, undefined],
    ['kept', undefined, /r\/m:1 was not built by this hub .* used as it is \(sha256:1{64}\) and never overwritten/],
    [
      'replaced',
      { digest: D2, jobId: OTHER },
      /r\/m:1 held this hub's image sha256:2{64} for other inputs \(job b{12}\); it was rebuilt .* and overwritten/,
    ],
  ] as const)('says %s (%j)', (use, replaced, expected) => {
    const note = describeTagUse({ target: 'r/m:1', digest: D1, ...(use && { use }), ...(replaced && { replaced }) });
    if (expected === undefined) expect(note).toBeUndefined();
    else expect(note).toMatch(expected);
  });
});

describe('describeMovedTag', () => {
  it.each([
    [{ target: 'r/m:1', digest: D1 }, D1, undefined],
    [{ target: 'r/m:1', digest: D1 }, undefined, undefined],
    [undefined, D2, undefined],
    [
      { target: 'r/m:1', digest: D1 },
      D2,
      /r\/m:1 changed after .*sha256:1{64}.*now holds sha256:2{64}, .*not overwritten/,
    ],
  ])('%j with the tag at %s', (result, present, expected) => {
    const note = describeMovedTag(result, present);
    if (expected === undefined) expect(note).toBeUndefined();
    else expect(note).toMatch(expected);
  });
});
