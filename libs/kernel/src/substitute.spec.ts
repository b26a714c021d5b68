import { describe, expect, it } from 'vitest';
import { referencedVariables, substitute } from './substitute.js';

// envsubst's own test environment (github.com/a8m/envsubst parse/parse_test.go).
const ENV = { BAR: 'bar', FOO: 'foo', EMPTY: '', ALSO_EMPTY: '', A: 'AAA' };

describe('substitute', () => {
  // Every row of envsubst's parseTests with its relaxed-mode expectation (the mode KMM uses).
  it.each([
    ['empty', '', ''],
    ['env only', '$BAR', 'bar'],
    ['with text', '$BAR baz', 'bar baz'],
    ['concatenated', '$BAR$FOO', 'barfoo'],
    ['2 env var', '$BAR - $FOO', 'bar - foo'],
    ['invalid var', '$_ bar', '$_ bar'],
    ['invalid subst var', '${_} bar', '${_} bar'],
    ['value of $var', '${BAR}baz', 'barbaz'],
    ['$var not set -', '${NOTSET-$BAR}', 'bar'],
    ['$var not set =', '${NOTSET=$BAR}', 'bar'],
    ['$var set but empty -', '${EMPTY-$BAR}', ''],
    ['$var set but empty =', '${EMPTY=$BAR}', ''],
    ['$var not set or empty :-', '${EMPTY:-$BAR}', 'bar'],
    ['$var not set or empty :=', '${EMPTY:=$BAR}', 'bar'],
    ['if $var set evaluate expression as $other +', '${EMPTY+hello}', 'hello'],
    ['if $var set evaluate expression as $other :+', '${EMPTY:+hello}', 'hello'],
    ['if $var not set, use empty string +', '${NOTSET+hello}', ''],
    ['if $var not set, use empty string :+', '${NOTSET:+hello}', ''],
    ['multi line string', 'hello $BAR\nhello ${EMPTY:=$FOO}', 'hello bar\nhello foo'],
    ['issue #1', '${hello:=wo_rld} ${foo:=bar_baz}', 'wo_rld bar_baz'],
    ['issue #2', 'name: ${NAME:=foo_qux}, key: ${EMPTY:=baz_bar}', 'name: foo_qux, key: baz_bar'],
    ['gh-issue-8', 'prop=${HOME_URL-http://localhost:8080}', 'prop=http://localhost:8080'],
    ['gh-issue-41-1', '${NOTSET--1}', '-1'],
    ['gh-issue-41-2', '${NOTSET:--1}', '-1'],
    ['gh-issue-41-3', '${NOTSET=-1}', '-1'],
    ['gh-issue-41-4', '${NOTSET:==1}', '=1'],
    ['gh-issue-43-1', '${A}', 'AAA'],
    ['$var not set', '${NOTSET}', ''],
    ['$var set to empty', '${EMPTY}', ''],
    ['gh-issue-9 unset', '$NOTSET', ''],
    ['gh-issue-9 empty', '$EMPTY', ''],
    ['$var and $DEFAULT not set -', '${NOTSET-$ALSO_NOTSET}', ''],
    ['$var and $DEFAULT not set :-', '${NOTSET:-$ALSO_NOTSET}', ''],
    ['$var and $DEFAULT not set =', '${NOTSET=$ALSO_NOTSET}', ''],
    ['$var and $DEFAULT not set :=', '${NOTSET:=$ALSO_NOTSET}', ''],
    ['$var and $OTHER not set +', '${NOTSET+$ALSO_NOTSET}', ''],
    ['$var and $OTHER not set :+', '${NOTSET:+$ALSO_NOTSET}', ''],
    ['$var empty and $DEFAULT not set -', '${EMPTY-$NOTSET}', ''],
    ['$var empty and $DEFAULT not set :-', '${EMPTY:-$NOTSET}', ''],
    ['$var empty and $DEFAULT not set =', '${EMPTY=$NOTSET}', ''],
    ['$var empty and $DEFAULT not set :=', '${EMPTY:=$NOTSET}', ''],
    ['$var empty and $OTHER not set +', '${EMPTY+$NOTSET}', ''],
    ['$var empty and $OTHER not set :+', '${EMPTY:+$NOTSET}', ''],
    ['$var not set and $DEFAULT empty -', '${NOTSET-$EMPTY}', ''],
    ['$var not set and $DEFAULT empty :-', '${NOTSET:-$EMPTY}', ''],
    ['$var not set and $DEFAULT empty =', '${NOTSET=$EMPTY}', ''],
    ['$var not set and $DEFAULT empty :=', '${NOTSET:=$EMPTY}', ''],
    ['$var not set and $OTHER empty +', '${NOTSET+$EMPTY}', ''],
    ['$var not set and $OTHER empty :+', '${NOTSET:+$EMPTY}', ''],
    ['$var and $DEFAULT empty -', '${EMPTY-$ALSO_EMPTY}', ''],
    ['$var and $DEFAULT empty :-', '${EMPTY:-$ALSO_EMPTY}', ''],
    ['$var and $DEFAULT empty =', '${EMPTY=$ALSO_EMPTY}', ''],
    ['$var and $DEFAULT empty :=', '${EMPTY:=$ALSO_EMPTY}', ''],
    ['$var and $OTHER empty +', '${EMPTY+$ALSO_EMPTY}', ''],
    ['$var and $OTHER empty :+', '${EMPTY:+$ALSO_EMPTY}', ''],
    ['escape $$var', 'FOO $$BAR BAZ', 'FOO $BAR BAZ'],
    ['escape $${subst}', 'FOO $${BAR} BAZ', 'FOO ${BAR} BAZ'],
    ['escape $$$var', '$$$BAR', '$bar'],
    ['escape $$${subst}', '$$${BAZ:-baz}', '$baz'],
  ])('renders envsubst case "%s": %j', (_name, template, expected) => {
    expect(substitute(template, ENV)).toEqual({ ok: true, value: expected });
  });

  // Behaviour that follows from envsubst's lexer, checked by hand against parse/lex.go.
  it.each([
    ['a lone $ at the end stays', 'img:$', 'img:$'],
    ['$ before punctuation stays', 'a$-b$.c', 'a$-b$.c'],
    ['${} stays as written', 'x${}y', 'x${}y'],
    ['a digit starts a variable (NoDigit is off)', 'v$1', 'v'],
    ['${V:x} ignores the unknown operator', '${BAR:x}', 'bar'],
    ['${ V} looks up the name " V"', '${ BAR}', ''],
    ['text after a variable replaces it as the default', '${NOTSET-$BAR tail}', ' tail'],
    ['$ inside default text is literal', '${NOTSET-abc$BAR}', 'abc$BAR'],
    ['set variable ignores - default', '${BAR-x}', 'bar'],
    ['${V+} without alternative is the value', '${BAR+}', 'bar'],
    ['no assignment happens with =', '${NEW=v}-$NEW', 'v-'],
    ['unicode letters are name characters', '$BARé', ''],
    ['prototype names are not variables', '$constructor$toString', ''],
    ['a name ends at a dot', '$BAR.$FOO', 'bar.foo'],
  ])('%s: %j', (_name, template, expected) => {
    expect(substitute(template, ENV)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['hello ${'],
    ['some image:${KERNEL_XYZ'],
    ['${BAR'],
    ['${BAR:-x'],
    ['${BAR\n}'],
    ['${A:}'],
    // `${_}` leaves envsubst's lexer inside a substitution, so a later `$V` opens an operator that never closes.
    ['${_} $BAR x'],
    // `$_` inside a default leaves the substitution too; the parser then read EOF forever (found by
    // substitute.property.spec.ts, which held a CI worker for ten minutes).
    ['${A:-$_'],
    ['${BAR-x$_'],
  ])('fails like upstream on an unterminated substitution: %j', (template) => {
    expect(substitute(template, ENV)).toEqual({
      ok: false,
      reason: `failed to substitute ${JSON.stringify(template)}: closing brace expected`,
    });
  });

  it('substitutes several templates as upstream ReplaceInTemplates does', () => {
    const vars = { A: 'AAA', B: 'BBB', C: 'CCC' };
    expect(
      ['string with template $A', 'string with template ${B}', 'string without template'].map((t) =>
        substitute(t, vars),
      ),
    ).toEqual([
      { ok: true, value: 'string with template AAA' },
      { ok: true, value: 'string with template BBB' },
      { ok: true, value: 'string without template' },
    ]);
  });
});

describe('referencedVariables', () => {
  it.each([
    ['reg/$MOD_NAMESPACE/${MOD_NAME}:${KERNEL_XY}', ['MOD_NAMESPACE', 'MOD_NAME', 'KERNEL_XY']],
    ['${A:-$B}$A', ['A', 'B']],
    ['$$A ${_}', []],
    ['plain', []],
  ])('lists the names in %j', (template, names) => {
    expect(referencedVariables(template)).toEqual(names);
  });

  it('returns undefined when the template does not parse', () => {
    expect(referencedVariables('${A')).toBeUndefined();
  });
});
