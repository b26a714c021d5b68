// The architecture check of CI: the dependency rules of architecture-rules.ts over this repository's real import
// graph. Known breaches are listed below and may only shrink: a new breach fails, and so does a listed one that no
// longer exists (delete its line).
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkImports,
  folderLoops,
  reachableFiles,
  type ArchitectureRules,
  type FolderEdge,
  type Violation,
} from './architecture-rules.js';
import { readRepository } from './read-repository.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const RULES: ArchitectureRules = {
  pureLibs: ['libs/api', 'libs/kernel', 'libs/manifestwork', 'libs/planner', 'libs/kmod-sign', 'libs/image-reference'],
  pureBuiltins: [
    'node:assert',
    'node:buffer',
    'node:crypto',
    'node:path',
    'node:string_decoder',
    'node:url',
    'node:util',
    'node:zlib',
  ],
  driverPackages: [
    '@nestjs/',
    '@kubernetes/client-node',
    'bullmq',
    'express',
    'ioredis',
    'jose',
    'nestjs-pino',
    'openid-client',
    'pino',
    'pino-http',
    'prom-client',
    'undici',
    'ws',
  ],
  testPackages: ['vitest', '@nestjs/testing', 'supertest', 'oidc-provider', 'playwright-core'],
  randomCryptoNames: [
    'generateKey',
    'generateKeyPair',
    'generateKeyPairSync',
    'generateKeySync',
    'generatePrime',
    'generatePrimeSync',
    'getRandomValues',
    'randomBytes',
    'randomFill',
    'randomFillSync',
    'randomInt',
    'randomUUID',
  ],
  loopScopes: ['apps/hub/src', 'apps/spoke-agent/src', 'libs'],
};

/**
 * Folder-level loops known today (`from → to`): none since the hub folders were untangled (issue 11 item 3: auth
 * in a folder of its own, metrics a leaf, hub.module importing WebModule, the build executors beside the pipeline
 * whose types they use). Keep it empty.
 */
const KNOWN_LOOPS: readonly string[] = [];

/** Pure libs that do I/O today (`file rule: detail`): none since libs/api/src/crds.ts only parses. Keep it empty. */
const KNOWN_VIOLATIONS: readonly string[] = [];

describe('architecture', () => {
  let violations: Violation[];
  let loops: FolderEdge[];
  beforeAll(() => {
    const repo = readRepository(ROOT);
    const production = reachableFiles(repo.modules, repo.roots);
    // A guard against a reader that finds nothing (and so passes every rule).
    expect(production.size).toBeGreaterThan(100);
    violations = checkImports(repo.modules, production, RULES);
    loops = folderLoops(repo.modules, production, RULES.loopScopes);
  }, 60_000);

  it('has no lib importing an app or test code, no pure lib doing I/O and no deep import besides the known ones', () => {
    const fresh = violations.filter((v) => !KNOWN_VIOLATIONS.includes(v.key));
    expect(fresh.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.detail}`)).toEqual([]);
  });

  it('has no folder-level import loop besides the known ones', () => {
    const fresh = loops.filter((e) => !KNOWN_LOOPS.includes(e.key));
    expect(fresh.map((e) => `${e.key} (${e.via})`)).toEqual([]);
  });

  it('lists only known breaches that still exist, so the lists only shrink', () => {
    expect(KNOWN_VIOLATIONS.filter((k) => !violations.some((v) => v.key === k))).toEqual([]);
    expect(KNOWN_LOOPS.filter((k) => !loops.some((e) => e.key === k))).toEqual([]);
  });
});
