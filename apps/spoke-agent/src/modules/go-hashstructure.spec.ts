import { describe, expect, it } from 'vitest';
import { hashGoStringStruct } from './go-hashstructure.js';

describe('hashGoStringStruct', () => {
  // Expected values printed by Go 1.x with github.com/mitchellh/hashstructure/v2 v2.0.2 (the version upstream KMM
  // v1.1.0's go.mod pins): fmt.Printf("%x", hashstructure.Hash(hashData{KernelVersion: k, ModuleVersion: v},
  // hashstructure.FormatV2, nil)) with `type hashData struct { KernelVersion string; ModuleVersion string }`.
  it.each([
    ['5.14.0-427.13.1.el9_4.x86_64', 'v1', '93c6f321027e07b7'],
    ['5.14.0-427.13.1.el9_4.x86_64', 'v2', '7c7b04c5d656223'],
    ['6.8.0-49-generic', '1.0.0', '3f808e9d2234cdf5'],
    ['6.1.0-28-amd64', '', '7baabc954f230f73'],
    ['', 'v1', '3c6d4e29c959ed44'],
    ['', 'v2', '8d4d21c997c369dc'],
    ['', '1.0.0', '53432f7b356b4c2f'],
  ])('hashes hashData{KernelVersion: %j, ModuleVersion: %j} to %s as Go does', (kernel, version, hex) => {
    const sut = hashGoStringStruct('hashData', [
      ['KernelVersion', kernel],
      ['ModuleVersion', version],
    ]);
    expect(sut.toString(16)).toBe(hex);
  });
});
