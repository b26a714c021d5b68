import { describe, expect, it } from 'vitest';
import {
  dnsSafeKernelVersion,
  normalizeKernelVersion,
  parseKernelVersion,
  trimKernelSuffix,
} from './kernel-version.js';

describe('parseKernelVersion', () => {
  it.each([
    // kernel, normalized, x, y, z, rest
    ['6.0.15-300.fc37.x86_64', '6.0.15-300.fc37.x86_64', '6', '0', '15', '300.fc37.x86_64'],
    ['5.14.0-284.el9.x86_64', '5.14.0-284.el9.x86_64', '5', '14', '0', '284.el9.x86_64'],
    ['6.1.0-56-amd64', '6.1.0-56-amd64', '6', '1', '0', '56-amd64'],
    [
      '4.18.0-372.9.1.rt7.166.el8.x86_64',
      '4.18.0-372.9.1.rt7.166.el8.x86_64',
      '4',
      '18',
      '0',
      '372.9.1.rt7.166.el8.x86_64',
    ],
    ['5.15.0-91-generic', '5.15.0-91-generic', '5', '15', '0', '91-generic'],
    ['5.8.18-100.fc31.x86_64', '5.8.18-100.fc31.x86_64', '5', '8', '18', '100.fc31.x86_64'],
    ['1.2.3', '1.2.3', '1', '2', '3', ''],
    ['6.1.0-', '6.1.0-', '6', '1', '0', ''],
    // `-` separates components too, so KERNEL_XYZ joins them with dots.
    ['6-1-0', '6-1-0', '6', '1', '0', ''],
    // Empty components are kept, as Go's regexp Split keeps them.
    ['5..1', '5..1', '5', '', '1', ''],
    ['6.1.', '6.1.', '6', '1', '', ''],
    // Normalization happens before splitting: `+` and `~` become `_` and are not separators.
    ['6.6.31+rpt-rpi-v8', '6.6.31_rpt-rpi-v8', '6', '6', '31_rpt', 'rpi-v8'],
    ['5.10.0~rc1.2', '5.10.0_rc1.2', '5', '10', '0_rc1', '2'],
  ])('splits %j', (kernel, normalized, x, y, z, rest) => {
    expect(parseKernelVersion(kernel)).toEqual({
      ok: true,
      version: { kernel, normalized, x, y, z, xyz: `${x}.${y}.${z}`, rest },
    });
  });

  it.each([['6.1'], ['test'], ['6'], ['5_14_0']])('rejects %j, which has fewer than three components', (kernel) => {
    expect(parseKernelVersion(kernel)).toEqual({
      ok: false,
      reason: `invalid kernel version "${kernel}": expected at least three components (major.minor.patch) separated by ".", "," or "-"`,
    });
  });

  it('rejects an empty kernel', () => {
    expect(parseKernelVersion('')).toEqual({ ok: false, reason: 'kernel version is empty' });
  });
});

describe('normalizeKernelVersion', () => {
  // Upstream internal/kernel/kernel_test.go, plus characters outside the BMP.
  it.each([
    ['1.2.3-4', '1.2.3-4'],
    ['1.2.3+4', '1.2.3_4'],
    ['1.2.3_4', '1.2.3_4'],
    ['1.2.3&4', '1.2.3_4'],
    ['1.2.3%4', '1.2.3_4'],
    ['1.2.3?4', '1.2.3_4'],
    ['1.2.3 4', '1.2.3_4'],
    ['1.2.3,4', '1.2.3_4'],
    ['1.2.3é4', '1.2.3_4'],
    ['1.2.3😀4', '1.2.3_4'],
  ])('normalizes %j to %j', (kernel, expected) => {
    expect(normalizeKernelVersion(kernel)).toBe(expected);
  });
});

describe('trimKernelSuffix', () => {
  it.each([
    ['6.1.21-v8+', '6.1.21-v8'],
    ['6.1.21-v8++', '6.1.21-v8+'],
    ['6.1.21-v8', '6.1.21-v8'],
    ['+', ''],
  ])('trims %j to %j', (kernel, expected) => {
    expect(trimKernelSuffix(kernel)).toBe(expected);
  });
});

describe('dnsSafeKernelVersion', () => {
  it.each([
    ['5.14.0-427.13.1.el9_4.x86_64', '5-14-0-427-13-1-el9-4-x86-64'],
    ['6.1.0-13-AMD64', '6-1-0-13-amd64'],
    ['.6.1.0+', '6-1-0'],
  ])('turns %j into %j', (kernel, expected) => {
    expect(dnsSafeKernelVersion(kernel)).toBe(expected);
  });
});
