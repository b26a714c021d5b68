import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileKernelRegexp } from './kernel-regexp.js';
import { KERNEL_MAPPING_PROBLEM } from './kernel-mapping-problem.js';
import { resolveKernelMapping } from './resolve-kernel-mapping.js';

// Differential test against Go's `regexp` package, which upstream KMM uses for kernel mappings: the oracle
// (test/oracles/go-regexp, built by test/oracles/build-oracles.sh from scripts/install-deps.sh) answers one JSON line
// per {pattern, input}. A missing oracle fails the test: a differential test that silently skips proves nothing.

const RUNS = Number(process.env.KMM_HUB_REGEXP_CASES ?? 1_500);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

function oraclePath(): string {
  const dir = join(repo, 'test/oracles/go-regexp');
  const hash = createHash('sha256')
    .update(readFileSync(join(dir, 'go.mod')))
    .update(readFileSync(join(dir, 'main.go')))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env.KMM_HUB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kmm-hub');
  return join(cache, 'bin', `go-regexp-${hash}`, 'go-regexp');
}

interface GoAnswer {
  compileError: string | null;
  match: boolean;
  groups: (string | null)[];
}

/** One long-lived oracle process; requests are answered strictly in order, one line each. */
class GoRegexp {
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(binary: string) {
    this.child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  ask(pattern: string, input: string): Promise<GoAnswer> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as GoAnswer));
      this.child.stdin.write(`${JSON.stringify({ pattern, input })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

// Patterns from a grammar of RE2 constructs, kernel-flavoured, including what Go rejects.
const atom = fc.oneof(
  fc.constantFrom('5', '14', '0', '6', '8', 'el', 'el9', 'x86_64', 'generic', 'amd64', 'rt', 'a', 'b', 'é'),
  fc.constantFrom('\\.', '.', '-', '_', '\\-', '\\+', '+', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '\\B'),
  fc.constantFrom('[0-9]', '[^0-9]', '[a-z_]', '[.-]', '[[:digit:]]', '[[:alpha:]]', '[\\d.]', '[]a]', '[^]]'),
  fc.constantFrom('^', '$', '\\A', '\\z', '\\pN', '\\p{L}', '\\Q5.14\\E', '(?i)EL', '\\x2e', '\\056'),
  // Flags, Unicode classes, odd escapes and repeats: some accepted, some rejected.
  fc.constantFrom(
    '(?s).',
    '(?U)a+',
    '(?i-s:A.)',
    '(?m)^5',
    '[[:^alpha:]]',
    '\\x{2e}',
    '\\x{110000}',
    '{,3}',
    'a{2}{3}',
  ),
  fc.constantFrom('[a-\\d]', '[\\Q]\\E]', '\\C', '\\pL', '\\PN', '(?P=v)', '(?#c)', '(?', '(?i', 'x{0}', '\\8'),
  // Rejected by Go: the error text must match.
  fc.constantFrom('(', ')', '[', ']', '\\', '\\1', '\\Z', '[z-a]', '[[:foo:]]', '(?=a)', '(?!a)', '(?<=a)', '(?P<>x)'),
  fc.constantFrom(
    '*',
    '+',
    '?',
    '{2}',
    '{1001}',
    'a**',
    'a{2,1}',
    '(?P<v>el)',
    '(?<v>el)',
    '(?:el)',
    '\\pZ',
    '\\p{Foo}',
  ),
);
const repeat = fc.constantFrom('', '', '', '*', '+', '?', '*?', '+?', '{1,3}', '{2}', '{0,}', '**', '{1001}');
const { pattern } = fc.letrec<{ pattern: string; term: string }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(atom, repeat).map(([a, r]) => a + r),
    fc
      .tuple(tie('pattern'), fc.constantFrom('(', '(?:', '(?P<g>', '(?<g>', '(?i:'), repeat)
      .map(([p, open, r]) => `${open}${p})${r}`),
  ),
  pattern: fc
    .array(
      fc.array(tie('term'), { maxLength: 4 }).map((terms) => terms.join('')),
      { minLength: 1, maxLength: 3 },
    )
    .map((alternatives) => alternatives.join('|')),
}));

const kernelInput = fc.oneof(
  fc.constantFrom(
    '5.14.0-427.13.1.el9_4.x86_64',
    '6.8.0-49-generic',
    '6.1.0-28-amd64',
    '6.1.0-28-amd64+',
    '6.6.31+rpt-rpi-v8',
    '4.18.0-513.el8.x86_64',
    '5.15.0-1051-azure',
    '',
  ),
  fc
    .tuple(
      fc.nat(7),
      fc.nat(20),
      fc.nat(600),
      fc.constantFrom('', '-49-generic', '-427.13.1.el9_4.x86_64', '-amd64', '+'),
    )
    .map(([x, y, z, rest]) => `${x}.${y}.${z}${rest}`),
  fc.string({
    unit: fc.constantFrom('5', '6', '.', '-', '_', 'e', 'l', '9', 'x', '+', 'a', 'b', ' ', 'é'),
    maxLength: 24,
  }),
);

/** re2js submatches of the leftmost match, `[]` when there is none (Go: FindStringSubmatchIndex). */
function re2jsGroups(source: string, input: string): (string | null)[] {
  const matcher = RE2JS.compile(source).matcher(input);
  if (!matcher.find()) return [];
  return Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i));
}

describe('kernel regexps against Go regexp (differential, fast-check)', () => {
  let go: GoRegexp;

  beforeAll(() => {
    const binary = oraclePath();
    if (!existsSync(binary)) {
      throw new Error(
        `Go regexp oracle ${binary} is missing: run bash test/oracles/build-oracles.sh (or scripts/install-deps.sh)`,
      );
    }
    go = new GoRegexp(binary);
  });

  afterAll(() => go?.close());

  it(`compile errors, matches and submatches agree with Go for ${RUNS} generated cases`, async () => {
    await fc.assert(
      fc.asyncProperty(pattern, kernelInput, async (p, input) => {
        const want = await go.ask(p, input);
        const ours = compileKernelRegexp(p);
        if (want.compileError !== null) {
          expect(ours).toEqual({ ok: false, reason: want.compileError });
          return;
        }
        expect(ours.ok ? ours.regexp.matches(input) : ours.reason).toBe(want.match);
        // Submatches are not used by kernel mappings; comparing them checks that re2js runs Go's leftmost-first
        // semantics, which `matches` relies on. Patterns with duplicate names compile only under Go.
        if (!/\(\?P?<(\w+)>[\s\S]*\(\?P?<\1>/.test(p)) expect(re2jsGroups(p, input)).toEqual(want.groups);
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it(`resolveKernelMapping picks what Go's MatchString picks, or fails with Go's compile error (${Math.floor(RUNS / 3)} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        pattern,
        kernelInput.filter((k) => /^\d+\.\d+[.,-]\d+/.test(k) && !k.endsWith('+')),
        async (p, kernel) => {
          const want = await go.ask(p, kernel);
          const result = resolveKernelMapping({
            container: {
              modprobe: { moduleName: 'm' },
              containerImage: 'registry.example/m:${KERNEL_FULL_VERSION}',
              kernelMappings: [{ regexp: p, containerImage: '' }],
            },
            module: { name: 'm', namespace: 'ns' },
            kernel,
          });
          if (want.compileError !== null) {
            expect(result).toMatchObject({ ok: false, problem: KERNEL_MAPPING_PROBLEM.InvalidRegexp });
            expect(result.ok ? '' : result.reason).toContain(want.compileError);
          } else if (want.match && p !== '') {
            // An empty regexp is "not set" upstream (findKernelMapping skips it), although Go's "" matches anything.
            expect(result.ok).toBe(true);
          } else {
            expect(result).toMatchObject({ ok: false, problem: KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping });
          }
        },
      ),
      { numRuns: Math.floor(RUNS / 3) },
    );
  }, 60_000);
});
