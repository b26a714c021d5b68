// Tests, harnesses and benchmarks write keys, kubeconfigs with tokens and build contexts. A folder made in the
// system temp folder outlives the run unless the same file removes it; one made under the test environment's
// work folder (`env.workDir`) is removed with the environment. This guard finds files that make one in the temp
// folder and never remove anything: each such folder used to stay behind after every run (kubeconfigs with admin
// tokens of dedicated API servers, the e2e fleet's signing key).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MAKES_TEMP_FOLDER = /mkdtemp(?:Sync)?\(\s*join\(\s*tmpdir\(\)/;
const REMOVES = /\brm(?:Sync)?\(|'rm',\s*\[\s*'-rf'|removeWorkDir/;

export function filesLeavingTempFolders(files: readonly { path: string; text: string }[]): string[] {
  return files.filter((f) => MAKES_TEMP_FOLDER.test(f.text) && !REMOVES.test(f.text)).map((f) => f.path);
}

describe('temporary folders', () => {
  it.each([
    ['makes and removes', "const d = mkdtempSync(join(tmpdir(), 'x-'));\nrmSync(d, { recursive: true });", false],
    ['makes and never removes', "const d = mkdtempSync(join(tmpdir(), 'x-'));", true],
    ['async make, rm', "const d = await mkdtemp(join(tmpdir(), 'x-'));\nawait rm(d, { recursive: true });", false],
    ['under the environment folder', "mkdtempSync(join(env.workDir, 'x-'))", false],
    ['rm -rf through a child process', "mkdtempSync(join(tmpdir(), 'x'));\nexecFileSync('rm', ['-rf', d]);", false],
  ])('%s', (_name, text, flagged) => {
    expect(filesLeavingTempFolders([{ path: 'f.ts', text }])).toEqual(flagged ? ['f.ts'] : []);
  });

  it('no test, harness or benchmark makes a temp folder it never removes', () => {
    const files = globSync(['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'], {
      cwd: ROOT,
      exclude: (p) => p.includes('node_modules') || p.includes('/dist/'),
    })
      .filter((p) => /\.(spec|testing|bench)\.ts$/.test(p) || p.startsWith('test/') || p.startsWith('bench/'))
      .filter((p) => p !== relative(ROOT, import.meta.filename))
      .map((p) => ({ path: p, text: readFileSync(join(ROOT, p), 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(filesLeavingTempFolders(files)).toEqual([]);
  });
});
