// The module loader's firmware removal step (render-workloads.ts `firmwareRemovalStep`) run by a real /bin/sh on real
// folders, as the preStop hook runs it on a node: what upstream's worker removes (internal/utils/filesystem_helper.go
// `RemoveSrcFilesFromDst`, files and symlinks found under the image's firmwarePath) goes, everything else stays.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firmwareRemovalStep } from './render-workloads.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The same tree in the image's firmwarePath and, as `cp -r` left it, on the host; plus a file of another module. */
function layout(): { image: string; host: string } {
  const root = mkdtempSync(join(tmpdir(), 'kmm-firmware-'));
  dirs.push(root);
  const image = join(root, 'image firmware');
  const host = join(root, 'host');
  for (const base of [image, host]) {
    mkdirSync(join(base, 'vendor', 'gpu'), { recursive: true });
    writeFileSync(join(base, 'vendor', 'gpu', 'fw.bin'), 'blob');
    writeFileSync(join(base, 'top.bin'), 'blob');
    symlinkSync('gpu/fw.bin', join(base, 'vendor', 'alias.bin'));
  }
  writeFileSync(join(host, 'vendor', 'other-module.bin'), 'keep');
  return { image, host };
}

describe('firmwareRemovalStep', () => {
  it("removes the module's files and symlinks from the host and keeps folders and other modules' files", () => {
    const { image, host } = layout();

    execFileSync('/bin/sh', ['-c', firmwareRemovalStep(image, host)]);

    expect(existsSync(join(host, 'top.bin'))).toBe(false);
    expect(existsSync(join(host, 'vendor', 'gpu', 'fw.bin'))).toBe(false);
    expect(() => lstatSync(join(host, 'vendor', 'alias.bin'))).toThrow(/ENOENT/);
    expect(lstatSync(join(host, 'vendor', 'gpu')).isDirectory()).toBe(true);
    expect(existsSync(join(host, 'vendor', 'other-module.bin'))).toBe(true);
    // The image's own copy is never touched.
    expect(lstatSync(join(image, 'vendor', 'alias.bin')).isSymbolicLink()).toBe(true);
  });
});
