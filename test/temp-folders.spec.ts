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

/**
 * A temp folder a spec file makes while it is collected (at its top level or in a describe block, not in a hook, a
 * test or a function): when a run filters out every test of that suite (`-t`), vitest skips its afterAll too, and the
 * folder stays (kube-config.int.spec.ts left one with client keys, the build and sign specs one with a signing key).
 */
function makesTempFolderWhileCollected(text: string): boolean {
  const lines = text.split('\n');
  return lines.some((line, i) => {
    const made = /^( {2})?(?:const|let) \w+ = mkdtemp(?:Sync)?\(\s*join\(\s*tmpdir\(\)/.exec(line);
    if (!made) return false;
    if (made[1] === undefined) return true;
    // Indented once: in a describe block when the enclosing top-level statement is a describe(...) call.
    const opener = lines
      .slice(0, i)
      .findLast((l) => /^\S/.test(l) && !/^[})\]]/.test(l) && !l.startsWith('//') && !l.startsWith(' *'));
    return opener?.startsWith('describe(') === true;
  });
}

export function filesLeavingTempFolders(files: readonly { path: string; text: string }[]): string[] {
  return files
    .filter(
      (f) =>
        (MAKES_TEMP_FOLDER.test(f.text) && !REMOVES.test(f.text)) ||
        (f.path.endsWith('.spec.ts') && makesTempFolderWhileCollected(f.text)),
    )
    .map((f) => f.path);
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

  it.each([
    [
      'made in a describe block while collected',
      "describe('x', () => {\n  const dir = mkdtempSync(join(tmpdir(), 'x-'));\n  afterAll(() => rmSync(dir));\n});",
      true,
    ],
    [
      'made at the top of the file',
      "const dir = mkdtempSync(join(tmpdir(), 'x-'));\nafterAll(() => rmSync(dir));",
      true,
    ],
    [
      'made in beforeAll',
      "describe('x', () => {\n  let dir;\n  beforeAll(() => {\n    dir = mkdtempSync(join(tmpdir(), 'x-'));\n  });\n  afterAll(() => rmSync(dir));\n});",
      false,
    ],
    [
      'made in a function the tests call',
      "function layout() {\n  const root = mkdtempSync(join(tmpdir(), 'x-'));\n  dirs.push(root);\n}\nafterAll(() => dirs.forEach((d) => rmSync(d)));",
      false,
    ],
  ])('spec file: %s', (_name, text, flagged) => {
    expect(filesLeavingTempFolders([{ path: 'f.spec.ts', text }])).toEqual(flagged ? ['f.spec.ts'] : []);
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
