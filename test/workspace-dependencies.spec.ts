import { readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../deploy/scripts/kustomize.mjs';
import { type PackageManifest, workspaceManifests } from './workspace-manifests.js';

interface PackageImport {
  file: string;
  name: string;
  typeOnly: boolean;
}

/** The npm package a bare module specifier names, or undefined for relative paths and Node built-ins. */
function packageName(specifier: string): string | undefined {
  if (/^[./]/.test(specifier) || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

/** Static imports and re-exports, `import()` calls and `import('x').T` types of one source file. */
function importsOf(file: string, text: string): PackageImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: PackageImport[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const name = packageName(specifier);
    if (name) out.push({ file, name, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypeSpecifiers =
        !clause?.name &&
        bindings !== undefined &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, Boolean(clause?.isTypeOnly) || onlyTypeSpecifiers);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(REPO_ROOT, dir), { withFileTypes: true })) {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) out.push(...(await sourceFiles(path)));
    else if (entry.isFile() && /\.(ts|mts|cts|mjs|cjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      out.push(path);
  }
  return out;
}

/**
 * Code that ships in an image: a lib's or app's `src/` except tests and test harnesses. Everything else (tests,
 * `*.testing.ts`, generator scripts, the test environment, the root's tests, benchmarks and scripts) runs only in
 * development, so its packages may be devDependencies.
 */
function isShipped(dir: string, file: string): boolean {
  return (
    /^(libs|apps)\//.test(dir) &&
    file.startsWith(`${dir}/src/`) &&
    !/\.(spec|int\.spec|e2e\.spec|testing)\.ts$/.test(file)
  );
}

interface Workspace {
  dir: string;
  manifest: PackageManifest;
  imports: PackageImport[];
}

async function workspaces(): Promise<Workspace[]> {
  const manifests = await workspaceManifests();
  const dirs = manifests.map((m) => m.dir).filter((d) => d !== '.');
  const owner = (file: string) => dirs.find((d) => file.startsWith(`${d}/`)) ?? '.';
  const imports = new Map<string, PackageImport[]>(manifests.map((m) => [m.dir, []]));
  for (const file of await sourceFiles('.')) {
    imports.get(owner(file))!.push(...importsOf(file, await readFile(join(REPO_ROOT, file), 'utf8')));
  }
  return manifests.map((m) => ({ ...m, imports: imports.get(m.dir)! }));
}

async function peerDependencies(name: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
  return Object.keys(manifest.peerDependencies ?? {});
}

const all = await workspaces();
const workspaceNames = new Set(all.map((w) => w.manifest.name));

describe('workspace package.json files', () => {
  it.each(all.map((w) => [w.dir, w] as const))('%s declares every package it imports', (dir, ws) => {
    const runtime = new Set(Object.keys(ws.manifest.dependencies ?? {}));
    const any = new Set([...runtime, ...Object.keys(ws.manifest.devDependencies ?? {})]);
    // The root holds the workspaces, so its own tests and scripts reach them without declaring them.
    if (dir === '.') for (const name of workspaceNames) any.add(name);
    const problems = new Set<string>();
    for (const { file, name, typeOnly } of ws.imports) {
      const declaredAs = typeOnly ? [name, `@types/${name}`] : [name];
      const where = isShipped(dir, file) && !typeOnly ? runtime : any;
      if (!declaredAs.some((n) => where.has(n))) {
        problems.add(
          `${file} imports ${name}${typeOnly ? ' (types only)' : ''}: declare it in ${dir}/package.json ` +
            (where === runtime ? 'dependencies' : 'dependencies or devDependencies'),
        );
      }
    }
    expect([...problems]).toEqual([]);
  });

  it.each(all.filter((w) => w.manifest.dependencies).map((w) => [w.dir, w] as const))(
    '%s: every runtime dependency is imported by shipped code or is a peer of one that is',
    async (dir, ws) => {
      const imported = new Set(ws.imports.filter((i) => isShipped(dir, i.file) && !i.typeOnly).map((i) => i.name));
      const peers = new Set<string>();
      for (const name of imported) {
        if (!workspaceNames.has(name)) for (const peer of await peerDependencies(name)) peers.add(peer);
      }
      const unused = Object.keys(ws.manifest.dependencies ?? {}).filter((n) => !imported.has(n) && !peers.has(n));
      expect(unused, `${dir}/package.json dependencies that nothing in ${dir}/src imports`).toEqual([]);
    },
  );

  it('give each package one version range, and each workspace its exact version', () => {
    const ranges = new Map<string, Set<string>>();
    for (const { manifest } of all) {
      for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
        ranges.set(name, (ranges.get(name) ?? new Set()).add(range));
      }
    }
    const versions = new Map(all.map((w) => [w.manifest.name, (w.manifest as { version?: string }).version]));
    const mismatched = [...ranges]
      .filter(([name, set]) => set.size > 1 || (workspaceNames.has(name) && !set.has(versions.get(name)!)))
      .map(([name, set]) => `${name}: ${[...set].join(', ')}`);
    expect(mismatched).toEqual([]);
  });
});
