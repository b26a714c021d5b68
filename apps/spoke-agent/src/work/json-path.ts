/**
 * The part of Kubernetes JSONPath (`k8s.io/client-go/util/jsonpath`) that OCM feedback rules use, evaluated the way
 * the work agent does: with missing keys allowed (a missing field yields no result, not an error). Supported:
 * `.field`, `['field']`/`["field"]`, `[n]` (negative from the end), `[*]` and `.*`, and filters
 * `[?(@.path)]`, `[?(@.path == 'text')]`, `[?(@.path != 3)]`. An optional `{…}` around the expression is accepted.
 */
export type JsonPathResult = { ok: true; values: unknown[] } | { ok: false; reason: string };

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: Step[]; op?: '==' | '!='; value?: string | number | boolean };

export function evaluateJsonPath(expression: string, root: unknown): JsonPathResult {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  const parsed = parseSteps(text, 0, false);
  if (!parsed.ok) return parsed;
  if (parsed.end !== text.length) return { ok: false, reason: `unexpected ${JSON.stringify(text.slice(parsed.end))}` };
  return { ok: true, values: applySteps(parsed.steps, [root]) };
}

type Parsed = { ok: true; steps: Step[]; end: number } | { ok: false; reason: string };

const IDENT = /^[A-Za-z0-9_-]+/;

function parseSteps(text: string, start: number, inFilter: boolean): Parsed {
  const steps: Step[] = [];
  let i = start;
  if (text[i] === '$' || (inFilter && text[i] === '@')) i++;
  while (i < text.length) {
    const c = text[i];
    if (inFilter && (c === ' ' || c === '=' || c === '!' || c === ')')) break;
    if (c === '.') {
      if (text[i + 1] === '.') return { ok: false, reason: 'recursive descent (..) is not supported' };
      if (text[i + 1] === '*') {
        steps.push({ kind: 'wildcard' });
        i += 2;
        continue;
      }
      const m = IDENT.exec(text.slice(i + 1));
      if (m === null) return { ok: false, reason: `expected a field name at ${i + 1}` };
      steps.push({ kind: 'field', name: m[0] });
      i += 1 + m[0].length;
      continue;
    }
    if (c === '[') {
      const close = findClose(text, i);
      if (close < 0) return { ok: false, reason: `unterminated [ at ${i}` };
      const inner = text.slice(i + 1, close).trim();
      const step = parseBracket(inner);
      if (!step.ok) return step;
      steps.push(step.step);
      i = close + 1;
      continue;
    }
    return { ok: false, reason: `unexpected ${JSON.stringify(c)} at ${i}` };
  }
  return { ok: true, steps, end: i };
}

/** The `]` closing the `[` at `open`, skipping quoted text and nested brackets. */
function findClose(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function parseBracket(inner: string): { ok: true; step: Step } | { ok: false; reason: string } {
  if (inner === '*') return { ok: true, step: { kind: 'wildcard' } };
  if (/^-?\d+$/.test(inner)) return { ok: true, step: { kind: 'index', index: Number(inner) } };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted !== null) return { ok: true, step: { kind: 'field', name: quoted[2] ?? '' } };
  const filter = /^\?\((.*)\)$/.exec(inner);
  if (filter !== null) return parseFilter((filter[1] ?? '').trim());
  return { ok: false, reason: `unsupported [${inner}]` };
}

function parseFilter(body: string): { ok: true; step: Step } | { ok: false; reason: string } {
  if (!body.startsWith('@')) return { ok: false, reason: `a filter must start with @: ${body}` };
  const path = parseSteps(body, 0, true);
  if (!path.ok) return path;
  const rest = body.slice(path.end).trim();
  if (rest === '') return { ok: true, step: { kind: 'filter', path: path.steps } };
  const m = /^(==|!=)\s*(.+)$/.exec(rest);
  if (m === null) return { ok: false, reason: `unsupported filter ${body}` };
  const literal = parseLiteral((m[2] ?? '').trim());
  if (literal === undefined) return { ok: false, reason: `unsupported filter value ${m[2]}` };
  return { ok: true, step: { kind: 'filter', path: path.steps, op: m[1] as '==' | '!=', value: literal } };
}

function parseLiteral(text: string): string | number | boolean | undefined {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted !== null) return quoted[2] ?? '';
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return undefined;
}

function applySteps(steps: readonly Step[], nodes: unknown[]): unknown[] {
  let current = nodes;
  for (const step of steps) current = current.flatMap((node) => applyStep(step, node));
  return current;
}

function applyStep(step: Step, node: unknown): unknown[] {
  switch (step.kind) {
    case 'field':
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
      return step.name in node ? [(node as Record<string, unknown>)[step.name]] : [];
    case 'index': {
      if (!Array.isArray(node)) return [];
      const i = step.index < 0 ? node.length + step.index : step.index;
      return i >= 0 && i < node.length ? [node[i]] : [];
    }
    case 'wildcard':
      if (Array.isArray(node)) return node;
      return node !== null && typeof node === 'object' ? Object.values(node) : [];
    case 'filter': {
      if (!Array.isArray(node)) return [];
      return node.filter((item) => {
        const found = applySteps(step.path, [item]);
        if (step.op === undefined) return found.length > 0;
        const equal = found.some((v) => v === step.value);
        return step.op === '==' ? equal : !equal && found.length > 0;
      });
    }
  }
}
