import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRenderContext, RENDER_VARIABLES, renderImageReference } from './render-context.js';
import { referencedVariables, substitute } from './substitute.js';

// Properties of upstream's substitution (github.com/a8m/envsubst/parse v1.4.2 in relaxed mode, as called by
// internal/utils/replaceStrings.go): unknown names become "", values are inserted verbatim (never expanded again),
// `$$` is `$`, and the only failure is an unterminated `${`.

const name = fc.constantFrom(...RENDER_VARIABLES, 'KERNEL_XY', 'OTHER', 'A', '_x1');
const value = fc.string({ unit: fc.constantFrom('5', '.', '-', '_', 'a', '$', '{', '}', '+', 'é'), maxLength: 12 });
const variables = fc.dictionary(name, value, { maxKeys: 6 });
const plainText = fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', '.', '-', '_', '5', ' ', 'é'), maxLength: 10 });
/** Template pieces whose meaning is clear from the documented rules. */
const piece = fc.oneof(
  plainText.map((text) => ({ text, ref: undefined as string | undefined, braced: false })),
  name.map((ref) => ({ text: '', ref, braced: true })),
);
const anyTemplate = fc.string({
  unit: fc.constantFrom('$', '{', '}', '-', '+', '=', ':', 'A', 'K', '_', '1', '\n', 'é', 'x'),
  maxLength: 24,
});

describe('substitute (properties)', () => {
  it('text without `$` comes back unchanged', () => {
    fc.assert(
      fc.property(plainText, variables, (text, vars) => {
        expect(substitute(text, vars)).toEqual({ ok: true, value: text });
      }),
    );
  });

  it('`${NAME}` is its value verbatim, or "" when unknown; values are never expanded again', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), variables, (pieces, vars) => {
        const template = pieces.map((p) => (p.ref === undefined ? p.text : `\${${p.ref}}`)).join('');
        const expected = pieces
          .map((p) => (p.ref === undefined ? p.text : Object.hasOwn(vars, p.ref) ? vars[p.ref] : ''))
          .join('');
        expect(substitute(template, vars)).toEqual({ ok: true, value: expected });
      }),
    );
  });

  it('is idempotent on its own output when no value and no text holds a `$`', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 6 }),
        fc.dictionary(
          name,
          value.map((v) => v.replaceAll('$', '')),
          { maxKeys: 6 },
        ),
        (pieces, vars) => {
          const template = pieces.map((p) => (p.ref === undefined ? p.text : `\${${p.ref}}`)).join('');
          const once = substitute(template, vars);
          if (!once.ok) throw new Error(once.reason);
          expect(substitute(once.value, vars)).toEqual(once);
        },
      ),
    );
  });

  it('`$$` is a literal `$` and `${V:-d}` falls back only when V is unset or empty', () => {
    fc.assert(
      fc.property(name, fc.option(value), plainText, (v, set, fallback) => {
        const vars: Record<string, string> = set === null ? {} : { [v]: set };
        expect(substitute(`$$${v}`, vars)).toEqual({ ok: true, value: `$${v}` });
        const want = set === null || set === '' ? fallback : set;
        if (fallback !== '') {
          expect(substitute(`\${${v}:-${fallback}}`, vars)).toEqual({ ok: true, value: want });
        }
      }),
    );
  });

  it('never throws on arbitrary templates; fails only on an unterminated `${`, naming the template', () => {
    fc.assert(
      fc.property(anyTemplate, variables, (template, vars) => {
        const result = substitute(template, vars);
        if (!result.ok) {
          expect(template).toContain('${');
          expect(result.reason).toBe(`failed to substitute ${JSON.stringify(template)}: closing brace expected`);
        }
        const names = referencedVariables(template);
        expect(names === undefined).toBe(!result.ok);
        // Every name it reports is spelled in the template.
        for (const n of names ?? []) expect(template).toContain(n);
      }),
      { numRuns: 2_000 },
    );
  });

  it('an image rendered for a kernel holds no unknown-variable text and no `$` the template did not spell', () => {
    const kernel = fc.constantFrom(
      '5.14.0-427.13.1.el9_4.x86_64',
      '6.8.0-49-generic',
      '6.1.0-28-amd64',
      '6.6.31+rpt-rpi-v8',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), kernel, (pieces, k) => {
        const context = newRenderContext({ name: 'mod', namespace: 'ns' }, k);
        if (!context.ok) throw new Error(context.reason);
        const template = pieces.map((p) => (p.ref === undefined ? p.text : `\${${p.ref}}`)).join('');
        const rendered = renderImageReference(template, context.context);
        if (!rendered.ok) throw new Error(rendered.reason);
        expect(rendered.value).not.toContain('$');
        // KERNEL_XY is not a variable (upstream has none): it renders as "", never as part of KERNEL_XYZ.
        const vars = context.context.image as Record<string, string>;
        const expected = pieces.map((p) => (p.ref === undefined ? p.text : (vars[p.ref] ?? ''))).join('');
        expect(rendered.value).toBe(expected);
      }),
    );
  });
});
