import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * Kernel-mapping regexps with the semantics of the Go code that applies them: upstream
 * `findKernelMapping` calls `regexp.MatchString(m.Regexp, kernel)` (Go 1.25 `regexp`, RE2 syntax, Perl flags),
 * which is UNANCHORED: `5\.14` matches `4.5.14-1` and `x5.14.0`; only `^…$` pins the whole string. The upstream
 * webhook accepts exactly what `regexp.Compile` accepts. re2js is a port of the same RE2 parser; a differential run
 * against Go 1.26 `regexp` (60 000 random patterns, plus hand-picked edge cases) found two differences, both
 * handled here:
 * - Go accepts duplicate capture-group names (`(?P<a>x)|(?P<a>y)`), re2js rejects them. Names do not change what
 *   matches, so on that error we rename the groups and compile again.
 * - re2js drops the "`expr`" suffix from a few messages (trailing backslash, nesting depth); we format every
 *   syntax error as Go does: `error parsing regexp: <code>: \`<expr>\``.
 */
export type KernelRegexpResult = { ok: true; regexp: KernelRegexp } | { ok: false; reason: string };

export interface KernelRegexp {
  readonly pattern: string;
  /** Go `regexp.MatchString`: true when the expression matches anywhere in `kernel`. */
  matches(kernel: string): boolean;
}

const DUPLICATE_NAME = 'duplicate capture group name';
const TRAILING_BACKSLASH = 'trailing backslash at end of expression';

/**
 * Compiled expressions by pattern. Every plan of every cluster resolves its kernels against the same few mappings;
 * compiling them each time was 6% of the hub's CPU in a 1,000-cluster fan-out (bench/fanout.bench.ts profile).
 * Results are immutable, so sharing them is safe; the memo is emptied when full, which bounds it.
 */
const memo = new Map<string, KernelRegexpResult>();
const MEMO_LIMIT = 1_000;

export function compileKernelRegexp(pattern: string): KernelRegexpResult {
  let result = memo.get(pattern);
  if (result === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(pattern, (result = compile(pattern)));
  }
  return result;
}

function compile(pattern: string): KernelRegexpResult {
  let renamed: Renamed = { source: pattern, openings: [] };
  let compiled = tryCompile(pattern);
  if (!compiled.ok && compiled.code === DUPLICATE_NAME) {
    renamed = renameCaptureGroups(pattern);
    compiled = tryCompile(renamed.source);
  }
  if (!compiled.ok) return { ok: false, reason: goMessage(compiled, pattern, renamed) };
  const re = compiled.re;
  return { ok: true, regexp: { pattern, matches: (kernel) => re.test(kernel) } };
}

type Compiled = { ok: true; re: RE2JS } | { ok: false; error: unknown; code: string | undefined };

function tryCompile(pattern: string): Compiled {
  try {
    return { ok: true, re: RE2JS.compile(pattern) };
  } catch (error) {
    return { ok: false, error, code: error instanceof RE2JSSyntaxException ? error.error : undefined };
  }
}

/**
 * `renamed.source` is what was compiled: the pattern, or its renamed form. Errors that quote the whole expression
 * (missing or unexpected parenthesis, nesting depth) quote the user's pattern; the others quote a fragment, which
 * can run over renamed groups (an invalid named capture quotes up to the next `>`, e.g.
 * `(?P<g>(?P<g>(?<=a)|))|(?P<g>)`), so those get their names back.
 */
function goMessage(failure: { error: unknown; code: string | undefined }, pattern: string, renamed: Renamed): string {
  const { error, code } = failure;
  if (error instanceof RE2JSSyntaxException && code !== undefined) {
    const quoted = error.input ?? (code === TRAILING_BACKSLASH ? '' : renamed.source);
    const original =
      quoted === renamed.source
        ? pattern
        : quoted.replace(
            /\(\?P<kmm_hub_group_(\d+)>/g,
            (group: string, n: string) => renamed.openings[Number(n)] ?? group,
          );
    return `error parsing regexp: ${code}: \`${original}\``;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A pattern with unique group names, and each renamed group's original opening (`(?P<a>`), by counter. */
interface Renamed {
  readonly source: string;
  readonly openings: readonly string[];
}

/**
 * Gives every valid named group (`(?P<name>` or `(?<name>`, name = `[A-Za-z0-9_]+`) a unique name, leaving escapes,
 * `\Q…\E` literals and character classes (including `[:alpha:]` and a leading `]`) untouched, so the expression
 * matches exactly the same strings.
 */
function renameCaptureGroups(pattern: string): Renamed {
  const openings: string[] = [];
  let out = '';
  let i = 0;
  let counter = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
      } else {
        out += pattern.slice(i, i + 2);
        i += 2;
      }
    } else if (ch === '[') {
      const stop = endOfClass(pattern, i);
      out += pattern.slice(i, stop);
      i = stop;
    } else {
      const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(pattern.slice(i));
      if (named !== null) {
        out += `(?P<kmm_hub_group_${counter++}>`;
        openings.push(named[0]);
        i += named[0].length;
      } else {
        out += ch;
        i++;
      }
    }
  }
  return { source: out, openings };
}

/** Index just past the `]` that closes the class opened at `start` (or the end of the pattern). */
function endOfClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === ']') return i + 1;
    if (ch === '\\') {
      i += 2;
    } else if (ch === '[' && pattern[i + 1] === ':' && pattern.indexOf(':]', i + 2) >= 0) {
      i = pattern.indexOf(':]', i + 2) + 2;
    } else {
      i++;
    }
  }
  return i;
}
