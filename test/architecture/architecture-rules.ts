// The dependency rules of the code base (pure libs without I/O, apps at the edges: see README.md, "Architecture in a paragraph"), as pure functions over an import graph, so they can
// be proven on small graphs (architecture-rules.spec.ts) before they judge the real one (architecture.spec.ts):
//   1. production code never imports test code, and a lib never imports an app;
//   2. a pure lib does no I/O: no driver packages, no I/O built-ins, no adapter libs, and no clock, randomness,
//      process or network through globals (time, ids and config arrive as parameters);
//   3. no folder-level import loop: folder A imports B (transitively) and B imports A;
//   4. another package is imported through its index (`@kmm-hub/x`), never by a relative path into its files.
// Decisions: type-only imports count for loops and for rule 1 (they couple folders and packages as much as value
// imports do) but not for rule 2, since they are erased and cannot do I/O (libs/api takes `V1ObjectMeta` from
// @kubernetes/client-node as a type). "Production" is what ships: what a lib's index.ts reaches, and every app file
// that is not a test (`*.spec.ts`, `*.testing.ts`); test code under test/ and bench/ is not checked.
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import type { GlobalUse, ImportRef } from './parse-module.js';

export interface ResolvedImport extends ImportRef {
  /** Repository-relative file it resolves to (relative and workspace imports); undefined for packages. */
  target?: string;
}

export interface SourceModule {
  /** Repository-relative, with forward slashes. */
  path: string;
  imports: ResolvedImport[];
  globals: GlobalUse[];
}

export interface ArchitectureRules {
  /** Package folders (`libs/api`) that must stay free of I/O. */
  pureLibs: readonly string[];
  /** Node built-ins a pure lib may use: computation only (hashing, buffers, path strings). */
  pureBuiltins: readonly string[];
  /** Packages that talk to the outside world (exact names; a trailing `/` matches a scope). */
  driverPackages: readonly string[];
  /** Packages only tests use. */
  testPackages: readonly string[];
  /** node:crypto exports that produce randomness. */
  randomCryptoNames: readonly string[];
  /** Folders inside which no folder-level loop may exist (`apps/hub/src`, `libs`). */
  loopScopes: readonly string[];
}

export type RuleName = 'lib-imports-app' | 'imports-test-code' | 'impure-lib' | 'deep-import';

export interface Violation {
  rule: RuleName;
  file: string;
  line: number;
  detail: string;
  /** Stable identity without the line number, for lists of known violations. */
  key: string;
}

export interface FolderEdge {
  from: string;
  to: string;
  /** One import that makes the edge, `file:line`. */
  via: string;
  /** `from → to`. */
  key: string;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `libs/api` for `libs/api/src/x.ts`, `test` for anything under test/ except test/env, which is a package. */
export function packageOf(path: string): string {
  const [top, name] = path.split('/');
  if (top === 'libs' || top === 'apps') return `${top}/${name}`;
  if (top === 'test' && name === 'env') return 'test/env';
  return top ?? path;
}

export function isTestFile(path: string): boolean {
  return /\.(spec|testing)\.ts$/.test(path) || path.startsWith('test/') || path.startsWith('bench/');
}

/** `@nestjs/common/x` → `@nestjs/common`, `yaml/util` → `yaml`, `node:fs/promises` → `node:fs/promises`. */
function packageName(specifier: string): string {
  if (BUILTINS.has(specifier)) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function matchesPackage(specifier: string, list: readonly string[]): boolean {
  const name = packageName(specifier);
  return list.some((p) => (p.endsWith('/') ? name.startsWith(p) : name === p));
}

/** Files reachable from `roots` through imports of any kind. */
export function reachableFiles(modules: readonly SourceModule[], roots: Iterable<string>): Set<string> {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path) || !byPath.has(path)) continue;
    seen.add(path);
    for (const i of byPath.get(path)!.imports) if (i.target !== undefined) stack.push(i.target);
  }
  return seen;
}

/** Rules 1, 2 and 4 over the production files. */
export function checkImports(
  modules: readonly SourceModule[],
  production: ReadonlySet<string>,
  rules: ArchitectureRules,
): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: RuleName, file: string, line: number, detail: string) =>
    violations.push({ rule, file, line, detail, key: `${file} ${rule}: ${detail}` });
  for (const m of modules) {
    if (!production.has(m.path)) continue;
    const pkg = packageOf(m.path);
    const pure = rules.pureLibs.includes(pkg);
    for (const i of m.imports) {
      const targetPkg = i.target === undefined ? undefined : packageOf(i.target);
      if (pkg.startsWith('libs/') && targetPkg?.startsWith('apps/')) {
        add('lib-imports-app', m.path, i.line, `imports ${i.specifier}`);
      }
      if ((i.target !== undefined && isTestFile(i.target)) || matchesPackage(i.specifier, rules.testPackages)) {
        add('imports-test-code', m.path, i.line, `imports ${i.specifier}`);
      }
      if (i.specifier.startsWith('.') && targetPkg !== undefined && targetPkg !== pkg) {
        add('deep-import', m.path, i.line, `reaches into ${i.target} by a relative path`);
      }
      if (!pure || i.typeOnly) continue;
      if (BUILTINS.has(i.specifier)) {
        const name = i.specifier.startsWith('node:') ? i.specifier : `node:${i.specifier}`;
        if (!rules.pureBuiltins.includes(name)) add('impure-lib', m.path, i.line, `imports ${i.specifier}`);
        else if (name === 'node:crypto') {
          for (const n of i.names.filter((x) => rules.randomCryptoNames.includes(x)))
            add('impure-lib', m.path, i.line, `imports ${n} from ${i.specifier}`);
        }
      } else if (matchesPackage(i.specifier, rules.driverPackages)) {
        add('impure-lib', m.path, i.line, `imports ${i.specifier}`);
      } else if (targetPkg !== undefined && targetPkg !== pkg && !rules.pureLibs.includes(targetPkg)) {
        add('impure-lib', m.path, i.line, `imports ${i.specifier}`);
      }
    }
    if (pure) for (const g of m.globals) add('impure-lib', m.path, g.line, `uses ${g.what}`);
  }
  return violations;
}

/**
 * Rule 3: the folder-to-folder imports that lie on a loop (both ends in one strongly connected component of the
 * folder graph), for production files inside `scopes`. Empty when the folders form a one-way graph.
 */
export function folderLoops(
  modules: readonly SourceModule[],
  production: ReadonlySet<string>,
  scopes: readonly string[],
): FolderEdge[] {
  const inScope = (path: string) => production.has(path) && scopes.some((s) => path.startsWith(`${s}/`));
  const edges = new Map<string, FolderEdge>();
  const next = new Map<string, Set<string>>();
  for (const m of modules) {
    if (!inScope(m.path)) continue;
    const from = posix.dirname(m.path);
    for (const i of m.imports) {
      if (i.target === undefined || !inScope(i.target)) continue;
      const to = posix.dirname(i.target);
      if (to === from) continue;
      const key = `${from} → ${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, via: `${m.path}:${i.line}`, key });
      next.set(from, (next.get(from) ?? new Set()).add(to));
    }
  }
  const component = stronglyConnectedComponents(next);
  return [...edges.values()]
    .filter((e) => component.get(e.from) === component.get(e.to))
    .toSorted((a, b) => a.key.localeCompare(b.key));
}

/** Tarjan's algorithm: each node → the index of its strongly connected component. */
export function stronglyConnectedComponents(next: ReadonlyMap<string, ReadonlySet<string>>): Map<string, number> {
  const nodes = new Set([...next.keys(), ...[...next.values()].flatMap((s) => [...s])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.set(w, components);
      } while (w !== v);
      components++;
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return component;
}

/**
 * Where an import specifier leads inside the repository: a relative path (`./x.js` is the source `./x.ts`, or a
 * folder's index.ts) or a workspace package (its entry file). Undefined for packages from node_modules and
 * built-ins.
 */
export function resolveImport(
  from: string,
  specifier: string,
  files: ReadonlySet<string>,
  workspaces: ReadonlyMap<string, string>,
): string | undefined {
  if (specifier.startsWith('.')) {
    const base = posix.normalize(posix.join(posix.dirname(from), specifier));
    const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, `${base}/index.ts`];
    return candidates.find((c) => files.has(c)) ?? base;
  }
  return workspaces.get(packageName(specifier));
}
