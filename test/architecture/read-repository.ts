// Reads the workspace's TypeScript sources into the import graph that architecture-rules.ts judges.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTestFile, resolveImport, type SourceModule } from './architecture-rules.js';
import { parseModule } from './parse-module.js';

export interface Repository {
  modules: SourceModule[];
  /** Entry points of what ships: each lib's src/index.ts and every app source that is not a test. */
  roots: string[];
}

const SOURCE_FOLDERS = ['libs', 'apps', 'test', 'bench'];

function listSources(root: string): string[] {
  return SOURCE_FOLDERS.flatMap((top) =>
    readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })
      .map((p) => `${top}/${p.split('\\').join('/')}`)
      .filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))
      .filter((p) => !/(^|\/)(node_modules|dist)\//.test(p)),
  ).toSorted();
}

/** Workspace package name → its entry source (`src/index.ts`, or `src/main.ts` for an app). */
function workspaceEntries(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const top of ['libs', 'apps', 'test']) {
    for (const dir of readdirSync(join(root, top))) {
      const manifest = join(root, top, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
      const entry = ['src/index.ts', 'src/main.ts']
        .map((f) => `${top}/${dir}/${f}`)
        .find((f) => existsSync(join(root, f)));
      if (entry !== undefined) entries.set(name, entry);
    }
  }
  return entries;
}

export function readRepository(root: string): Repository {
  const paths = listSources(root);
  const files = new Set(paths);
  const workspaces = workspaceEntries(root);
  // Only lib and app sources can ship; test code is recognised by its path (isTestFile) without being read.
  const shipped = paths.filter((p) => p.startsWith('libs/') || p.startsWith('apps/'));
  const modules = shipped.map((path): SourceModule => {
    const parsed = parseModule(path, readFileSync(join(root, path), 'utf8'));
    return {
      path,
      globals: parsed.globals,
      imports: parsed.imports.map((i) => ({ ...i, target: resolveImport(path, i.specifier, files, workspaces) })),
    };
  });
  const roots = shipped.filter(
    (p) => /^libs\/[^/]+\/src\/index\.ts$/.test(p) || (/^apps\/[^/]+\/src\//.test(p) && !isTestFile(p)),
  );
  return { modules, roots };
}
