import { describe, expect, it } from 'vitest';
import {
  checkImports,
  folderLoops,
  reachableFiles,
  resolveImport,
  stronglyConnectedComponents,
  type ArchitectureRules,
  type SourceModule,
} from './architecture-rules.js';
import { parseModule } from './parse-module.js';

const RULES: ArchitectureRules = {
  pureLibs: ['libs/pure', 'libs/other-pure'],
  pureBuiltins: ['node:crypto', 'node:path'],
  driverPackages: ['ioredis', '@nestjs/'],
  testPackages: ['vitest'],
  randomCryptoNames: ['randomBytes'],
  loopScopes: ['apps/app/src', 'libs'],
};

const FILES = new Set([
  'libs/pure/src/index.ts',
  'libs/pure/src/a.ts',
  'libs/pure/src/sub/index.ts',
  'libs/other-pure/src/index.ts',
  'libs/adapter/src/index.ts',
  'apps/app/src/main.ts',
  'apps/app/src/x/x.ts',
  'apps/app/src/x/x.testing.ts',
  'test/env/src/index.ts',
]);
const WORKSPACES = new Map([
  ['@ws/pure', 'libs/pure/src/index.ts'],
  ['@ws/other-pure', 'libs/other-pure/src/index.ts'],
  ['@ws/adapter', 'libs/adapter/src/index.ts'],
  ['@ws/app', 'apps/app/src/main.ts'],
  ['@ws/test-env', 'test/env/src/index.ts'],
]);

/** One module from its source text, with imports resolved against FILES (and `more`) and WORKSPACES. */
function sourceModule(path: string, text: string, more: Iterable<string> = []): SourceModule {
  const parsed = parseModule(path, text);
  const files = new Set([...FILES, ...more]);
  return {
    path,
    globals: parsed.globals,
    imports: parsed.imports.map((i) => ({ ...i, target: resolveImport(path, i.specifier, files, WORKSPACES) })),
  };
}

/** The violations (`rule: detail`) of one production file. */
function violationsOf(path: string, text: string): string[] {
  return checkImports([sourceModule(path, text)], new Set([path]), RULES).map((v) => `${v.rule}: ${v.detail}`);
}

describe('parseModule', () => {
  it.each([
    ["import { a } from './a.js';", [{ specifier: './a.js', typeOnly: false, names: ['a'] }]],
    ["import type { A } from './a.js';", [{ specifier: './a.js', typeOnly: true, names: ['A'] }]],
    ["import { type A, type B } from './a.js';", [{ specifier: './a.js', typeOnly: true, names: ['A', 'B'] }]],
    ["import { type A, b } from './a.js';", [{ specifier: './a.js', typeOnly: false, names: ['A', 'b'] }]],
    ["import D, { type A } from './a.js';", [{ specifier: './a.js', typeOnly: false, names: ['A'] }]],
    ["import * as ns from 'node:fs';", [{ specifier: 'node:fs', typeOnly: false, names: [] }]],
    ["import './side-effect.js';", [{ specifier: './side-effect.js', typeOnly: false, names: [] }]],
    ["export { a as b } from './a.js';", [{ specifier: './a.js', typeOnly: false, names: ['a'] }]],
    ["export type { A } from './a.js';", [{ specifier: './a.js', typeOnly: true, names: ['A'] }]],
    ["export * from './a.js';", [{ specifier: './a.js', typeOnly: false, names: [] }]],
    ["const m = await import('ioredis');", [{ specifier: 'ioredis', typeOnly: false, names: [] }]],
    ["let t: import('./a.js').T;", [{ specifier: './a.js', typeOnly: true, names: [] }]],
    ["import fs = require('node:fs');", [{ specifier: 'node:fs', typeOnly: false, names: [] }]],
    ["// import { a } from './commented.js';\nconst s = \"import { b } from './string.js'\";", []],
  ])('reads %j', (text, expected) => {
    expect(
      parseModule('x.ts', text).imports.map((i) => ({ specifier: i.specifier, typeOnly: i.typeOnly, names: i.names })),
    ).toEqual(expected);
  });

  it.each([
    ['const t = Date.now();', ['Date.now']],
    ['const d = new Date();', ['new Date()']],
    ['const d = new Date(0);', []],
    ['const t = performance.now();', ['performance.now']],
    ['const r = Math.random();', ['Math.random']],
    ['const m = Math.max(1, 2);', []],
    ['const id = crypto.randomUUID();', ['crypto.randomUUID']],
    ['const v = process.env.X;', ['process']],
    ['const { env } = process;', ['process']],
    ['const o = { process };', ['process']],
    ['await fetch(url);', ['fetch']],
    ['setTimeout(f, 1);', ['setTimeout']],
    ['const o = { process: 1, fetch: 2 }; o.process; o.fetch();', []],
    ['function f(fetch: () => void) {} interface I { process: string }', []],
    ['type F = typeof fetch; let p: NodeJS.Process;', []],
  ])('finds clock, randomness, process and network in %j', (text, expected) => {
    expect(parseModule('x.ts', text).globals.map((g) => g.what)).toEqual(expected);
  });

  it('gives 1-based line numbers', () => {
    const parsed = parseModule('x.ts', "\n\nimport { a } from './a.js';\nconst t = Date.now();");
    expect(parsed.imports[0]?.line).toBe(3);
    expect(parsed.globals[0]?.line).toBe(4);
  });
});

describe('resolveImport', () => {
  it.each([
    ['libs/pure/src/index.ts', './a.js', 'libs/pure/src/a.ts'],
    ['libs/pure/src/index.ts', './sub/index.js', 'libs/pure/src/sub/index.ts'],
    ['libs/pure/src/index.ts', './sub', 'libs/pure/src/sub/index.ts'],
    ['libs/pure/src/sub/index.ts', '../a.js', 'libs/pure/src/a.ts'],
    ['libs/pure/src/a.ts', '../../../apps/app/src/main.js', 'apps/app/src/main.ts'],
    ['libs/pure/src/a.ts', '@ws/adapter', 'libs/adapter/src/index.ts'],
    ['libs/pure/src/a.ts', '@ws/app', 'apps/app/src/main.ts'],
    ['libs/pure/src/a.ts', 'ioredis', undefined],
    ['libs/pure/src/a.ts', 'node:fs', undefined],
  ])('from %s, %s is %s', (from, specifier, expected) => {
    expect(resolveImport(from, specifier, FILES, WORKSPACES)).toBe(expected);
  });
});

describe('checkImports', () => {
  it.each([
    // Rule 1: production code never imports test code; a lib never imports an app.
    ['libs/adapter/src/index.ts', "import { a } from '@ws/app';", ['lib-imports-app: imports @ws/app']],
    [
      'libs/adapter/src/index.ts',
      "import type { A } from '../../../apps/app/src/x/x.js';",
      [
        'lib-imports-app: imports ../../../apps/app/src/x/x.js',
        'deep-import: reaches into apps/app/src/x/x.ts by a relative path',
      ],
    ],
    ['libs/adapter/src/index.ts', "import { env } from '@ws/test-env';", ['imports-test-code: imports @ws/test-env']],
    ['apps/app/src/main.ts', "import { h } from './x/x.testing.js';", ['imports-test-code: imports ./x/x.testing.js']],
    ['apps/app/src/main.ts', "import { it } from 'vitest';", ['imports-test-code: imports vitest']],
    ['apps/app/src/main.ts', "import { a } from '@ws/adapter'; import { r } from 'ioredis';", []],
    // Rule 2: a pure lib does no I/O.
    ['libs/pure/src/a.ts', "import { readFile } from 'node:fs/promises';", ['impure-lib: imports node:fs/promises']],
    ['libs/pure/src/a.ts', "import { readFile } from 'fs';", ['impure-lib: imports fs']],
    ['libs/pure/src/a.ts', "import { request } from 'node:http';", ['impure-lib: imports node:http']],
    ['libs/pure/src/a.ts', "import Redis from 'ioredis';", ['impure-lib: imports ioredis']],
    ['libs/pure/src/a.ts', "import { Injectable } from '@nestjs/common';", ['impure-lib: imports @nestjs/common']],
    ['libs/pure/src/a.ts', "import { k } from '@ws/adapter';", ['impure-lib: imports @ws/adapter']],
    ['libs/pure/src/a.ts', "const r = await import('ioredis');", ['impure-lib: imports ioredis']],
    ['libs/pure/src/a.ts', "export { k } from '@ws/adapter';", ['impure-lib: imports @ws/adapter']],
    [
      'libs/pure/src/a.ts',
      "import { randomBytes, createHash } from 'node:crypto';",
      ['impure-lib: imports randomBytes from node:crypto'],
    ],
    ['libs/pure/src/a.ts', 'export const now = () => Date.now();', ['impure-lib: uses Date.now']],
    ['libs/pure/src/a.ts', 'export const id = Math.random();', ['impure-lib: uses Math.random']],
    ['libs/pure/src/a.ts', 'export const level = process.env.LEVEL;', ['impure-lib: uses process']],
    ['libs/pure/src/a.ts', 'export const get = (u: string) => fetch(u);', ['impure-lib: uses fetch']],
    // Allowed in a pure lib: computation built-ins, other pure libs, and types from anywhere (erased).
    ['libs/pure/src/a.ts', "import { createHash } from 'node:crypto'; import path from 'node:path';", []],
    ['libs/pure/src/a.ts', "import { o } from '@ws/other-pure'; import { s } from './sub/index.js';", []],
    ['libs/pure/src/a.ts', "import type { K } from '@ws/adapter'; import type { R } from 'ioredis';", []],
    ['libs/pure/src/a.ts', 'export const at = (now: Date) => new Date(now.getTime() + 1);', []],
    // Rule 2 is for pure libs only.
    ['libs/adapter/src/index.ts', "import Redis from 'ioredis'; export const t = Date.now();", []],
    // Rule 4: another package through its index only.
    [
      'libs/adapter/src/index.ts',
      "import { a } from '../../pure/src/a.js';",
      ['deep-import: reaches into libs/pure/src/a.ts by a relative path'],
    ],
  ])('%s: %s', (path, text, expected) => {
    expect(violationsOf(path, text)).toEqual(expected);
  });

  it('judges only production files, with a key that has no line number', () => {
    const modules = [
      sourceModule('libs/pure/src/index.ts', "export { a } from './a.js';\nexport const t = Date.now();"),
      sourceModule('libs/pure/src/a.spec.ts', "import { readFileSync } from 'node:fs';"),
    ];
    expect(checkImports(modules, new Set(['libs/pure/src/index.ts']), RULES)).toEqual([
      {
        rule: 'impure-lib',
        file: 'libs/pure/src/index.ts',
        line: 2,
        detail: 'uses Date.now',
        key: 'libs/pure/src/index.ts impure-lib: uses Date.now',
      },
    ]);
  });
});

describe('reachableFiles', () => {
  it('follows value and type imports from the roots, and nothing else', () => {
    const modules = [
      sourceModule('libs/pure/src/index.ts', "export { a } from './a.js';"),
      sourceModule('libs/pure/src/a.ts', "import type { S } from './sub/index.js';"),
      sourceModule('libs/pure/src/sub/index.ts', ''),
      sourceModule('libs/pure/src/test-helper.ts', "import { a } from './a.js';"),
    ];
    expect([...reachableFiles(modules, ['libs/pure/src/index.ts'])].toSorted()).toEqual([
      'libs/pure/src/a.ts',
      'libs/pure/src/index.ts',
      'libs/pure/src/sub/index.ts',
    ]);
  });
});

describe('stronglyConnectedComponents', () => {
  const graph = (edges: string) => {
    const next = new Map<string, Set<string>>();
    for (const e of edges.split(' ').filter(Boolean)) {
      const [from, to] = e.split('>') as [string, string];
      next.set(from, (next.get(from) ?? new Set()).add(to));
    }
    return next;
  };
  /** Components as sorted member lists, largest first, singletons left out. */
  const loops = (edges: string) => {
    const byComponent = new Map<number, string[]>();
    for (const [node, c] of stronglyConnectedComponents(graph(edges)))
      byComponent.set(c, [...(byComponent.get(c) ?? []), node]);
    return [...byComponent.values()]
      .filter((members) => members.length > 1)
      .map((members) => members.toSorted().join(''))
      .toSorted();
  };

  it.each([
    ['', []],
    ['a>b b>c', []],
    ['a>b b>a', ['ab']],
    ['a>b b>c c>a', ['abc']],
    ['a>b b>c c>b c>d', ['bc']],
    ['a>b b>a c>d d>c b>c', ['ab', 'cd']],
    ['a>b b>c c>a c>d d>e e>d', ['abc', 'de']],
    ['a>b a>c b>d c>d', []],
  ])('in %j finds the loops %j', (edges, expected) => {
    expect(loops(edges)).toEqual(expected);
  });
});

describe('folderLoops', () => {
  const modules = (files: Record<string, string>) =>
    Object.entries(files).map(([p, text]) => sourceModule(p, text, Object.keys(files)));
  const loopKeys = (files: Record<string, string>, production = Object.keys(files)) =>
    folderLoops(modules(files), new Set(production), RULES.loopScopes).map((e) => e.key);

  it.each<[string, Record<string, string>, string[]]>([
    ['a one-way graph', { 'apps/app/src/a/a.ts': "import '../b/b.js';", 'apps/app/src/b/b.ts': '' }, []],
    [
      'two folders importing each other',
      { 'apps/app/src/a/a.ts': "import '../b/b.js';", 'apps/app/src/b/b.ts': "import '../a/a.js';" },
      ['apps/app/src/a → apps/app/src/b', 'apps/app/src/b → apps/app/src/a'],
    ],
    [
      'a loop through a third folder, where a type-only import closes it',
      {
        'apps/app/src/a/a.ts': "import '../b/b.js';",
        'apps/app/src/b/b.ts': "import '../c/c.js';",
        'apps/app/src/c/c.ts': "import type { A } from '../a/a.js';",
        'apps/app/src/d/d.ts': "import '../a/a.js';",
      },
      ['apps/app/src/a → apps/app/src/b', 'apps/app/src/b → apps/app/src/c', 'apps/app/src/c → apps/app/src/a'],
    ],
    [
      'a folder and its parent',
      { 'apps/app/src/x/x.ts': "import '../main.js';", 'apps/app/src/main.ts': "import './x/x.js';" },
      ['apps/app/src → apps/app/src/x', 'apps/app/src/x → apps/app/src'],
    ],
    [
      'two libs importing each other through their indexes',
      {
        'libs/pure/src/index.ts': "import '@ws/adapter';",
        'libs/adapter/src/index.ts': "import '@ws/pure';",
      },
      ['libs/adapter/src → libs/pure/src', 'libs/pure/src → libs/adapter/src'],
    ],
    [
      'imports within one folder',
      { 'apps/app/src/a/a.ts': "import './b.js';", 'apps/app/src/a/b.ts': "import './a.js';" },
      [],
    ],
  ])('%s', (_what, files, expected) => {
    expect(loopKeys(files)).toEqual(expected);
  });

  it('leaves out test code, so a harness importing the root module makes no loop', () => {
    const files = {
      'apps/app/src/main.ts': "import './x/x.js';",
      'apps/app/src/x/x.ts': '',
      'apps/app/src/x/x.testing.ts': "import '../main.js';",
    };
    expect(loopKeys(files, ['apps/app/src/main.ts', 'apps/app/src/x/x.ts'])).toEqual([]);
    expect(loopKeys(files)).toHaveLength(2);
  });

  it('names one import that makes each edge', () => {
    const [edge] = folderLoops(
      modules({ 'apps/app/src/a/a.ts': "\nimport '../b/b.js';", 'apps/app/src/b/b.ts': "import '../a/a.js';" }),
      new Set(['apps/app/src/a/a.ts', 'apps/app/src/b/b.ts']),
      RULES.loopScopes,
    );
    expect(edge).toEqual({
      from: 'apps/app/src/a',
      to: 'apps/app/src/b',
      via: 'apps/app/src/a/a.ts:2',
      key: 'apps/app/src/a → apps/app/src/b',
    });
  });
});
