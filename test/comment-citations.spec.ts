import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../deploy/scripts/kustomize.mjs';

// Comments cite what a maintainer can open: upstream source paths, documentation URLs, RFCs, or files in this
// repository. These patterns catch citations of notes that live outside it, and section signs without the RFC they
// belong to. This file, which has to spell them, is the one place they may appear.
const OUTSIDE_NOTES = [
  /\.\.\/shared\//,
  /shared\/reference/,
  /\bocm\.md\b/,
  /\bkmm-hub\.md\b/,
  /\breal-parts\b/,
  /\bnpm-stack\b/,
  /\bARCHITECTURE\.md\b/,
  /\bSTYLE\.md\b/,
  /hardware-enablement/,
  /(?<!RFC \d{3,5} )§/,
];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);
const TEXT_FILE = /(\.(ts|mts|cts|mjs|cjs|js|sh|yaml|yml|md|json|txt)|Containerfile|\/run)$/;
const SELF = relative(REPO_ROOT, fileURLToPath(import.meta.url));

async function textFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(REPO_ROOT, dir), { withFileTypes: true })) {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) out.push(...(await textFiles(path)));
    else if (entry.isFile() && TEXT_FILE.test(path) && path !== SELF && path !== 'package-lock.json') out.push(path);
  }
  return out;
}

describe('citations in the repository', () => {
  it('name only what a maintainer can open: no notes outside the repository, no bare section numbers', async () => {
    const found: string[] = [];
    for (const file of await textFiles('.')) {
      const lines = (await readFile(join(REPO_ROOT, file), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE_NOTES.some((p) => p.test(line))) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
