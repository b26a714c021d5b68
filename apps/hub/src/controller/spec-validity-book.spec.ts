import { newManagedClusterModule } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { SpecValidityBook } from './spec-validity-book.js';

const gen = (generation: number) => newManagedClusterModule({ metadata: { name: 'gpu', generation } });

describe(SpecValidityBook.name, () => {
  it('says Unchecked until the current generation was checked', () => {
    const sut = new SpecValidityBook();
    expect(sut.validityOf(gen(1))).toEqual({ state: 'Unchecked' });
    sut.markValid(gen(1));
    expect(sut.validityOf(gen(1))).toEqual({ state: 'Valid' });
    expect(sut.isChecked(gen(2))).toBe(false);
    expect(sut.validityOf(gen(2))).toEqual({ state: 'Unchecked' });
  });

  it('reports a new invalid message once, and the same message again as known', () => {
    const sut = new SpecValidityBook();
    expect(sut.markInvalid(gen(1), 'spec.x: bad')).toBe(true);
    expect(sut.markInvalid(gen(1), 'spec.x: bad')).toBe(false);
    expect(sut.markInvalid(gen(2), 'spec.y: bad')).toBe(true);
    expect(sut.isInvalid('gpu')).toBe(true);
    expect(sut.validityOf(gen(2))).toEqual({ state: 'Invalid', reason: 'InvalidSpec', message: 'spec.y: bad' });
    sut.markValid(gen(3));
    expect(sut.isInvalid('gpu')).toBe(false);
    expect(sut.validityOf(gen(3))).toEqual({ state: 'Valid' });
  });

  it.each([
    ['forgetVerdict keeps the checked generation', (s: SpecValidityBook) => s.forgetVerdict('gpu'), true],
    ['forget drops both', (s: SpecValidityBook) => s.forget('gpu'), false],
    ['clear drops both', (s: SpecValidityBook) => s.clear(), false],
  ])('%s', (_, drop, stillChecked) => {
    const sut = new SpecValidityBook();
    sut.markInvalid(gen(1), 'bad');
    drop(sut);
    expect(sut.isInvalid('gpu')).toBe(false);
    expect(sut.isChecked(gen(1))).toBe(stillChecked);
  });
});
