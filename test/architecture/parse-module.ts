// What one TypeScript source says about its dependencies: every module specifier it imports or re-exports (and
// whether only types), and its uses of the clock, randomness, the process and the network through globals. Pure:
// the text comes in, nothing is read here. Parsed with the TypeScript compiler, so comments, strings and
// `import type` are told apart the way tsc does.
import ts from 'typescript';

export interface ImportRef {
  specifier: string;
  /** Erased at compile time: `import type`, `export type … from`, `import('x').T` in a type, or only type elements. */
  typeOnly: boolean;
  /** Names taken from the module (`import { a, b as c }` gives a, b), for checks such as node:crypto randomness. */
  names: string[];
  line: number;
}

export interface GlobalUse {
  /** `Date.now()`, `new Date()`, `performance.now()`, `Math.random()`, `crypto.randomUUID()`, `process`, `fetch`, timers. */
  what: string;
  line: number;
}

export interface ParsedModule {
  imports: ImportRef[];
  globals: GlobalUse[];
}

/** Clock, randomness, process and network reached through globals rather than imports. */
const GLOBAL_MEMBERS: Record<string, string[]> = {
  Date: ['now'],
  performance: ['now'],
  Math: ['random'],
  crypto: ['randomUUID', 'getRandomValues'],
};
const GLOBAL_IDENTIFIERS = new Set(['process', 'fetch', 'setTimeout', 'setInterval', 'setImmediate']);

export function parseModule(fileName: string, text: string): ParsedModule {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const globals: GlobalUse[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const elements =
        clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            elements.length > 0 &&
            elements.every((e) => e.isTypeOnly)));
      imports.push({
        specifier: node.moduleSpecifier.text,
        typeOnly,
        names: elements.map((e) => (e.propertyName ?? e.name).text),
        line: lineOf(node),
      });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const elements = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : [];
      imports.push({
        specifier: node.moduleSpecifier.text,
        typeOnly: node.isTypeOnly || (elements.length > 0 && elements.every((e) => e.isTypeOnly)),
        names: elements.map((e) => (e.propertyName ?? e.name).text),
        line: lineOf(node),
      });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      imports.push({
        specifier: node.moduleReference.expression.text,
        typeOnly: node.isTypeOnly,
        names: [],
        line: lineOf(node),
      });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      imports.push({ specifier: node.arguments[0].text, typeOnly: false, names: [], line: lineOf(node) });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      imports.push({ specifier: node.argument.literal.text, typeOnly: true, names: [], line: lineOf(node) });
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      GLOBAL_MEMBERS[node.expression.text]?.includes(node.name.text)
    ) {
      globals.push({ what: `${node.expression.text}.${node.name.text}`, line: lineOf(node) });
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'Date' &&
      (node.arguments?.length ?? 0) === 0
    ) {
      globals.push({ what: 'new Date()', line: lineOf(node) });
    } else if (ts.isIdentifier(node) && GLOBAL_IDENTIFIERS.has(node.text) && isGlobalReference(node)) {
      globals.push({ what: node.text, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, globals };
}

/**
 * Whether an identifier is used as a value on its own (`process.env`, `fetch(url)`), not as a property name
 * (`options.process`), a declaration (`const fetch = …`, a parameter) or a key (`{ process: 1 }`). A local binding
 * that shadows the global still counts: in a pure lib, a name like `fetch` should not need a second look.
 */
function isGlobalReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isBindingElement(parent) ||
      ts.isImportSpecifier(parent) ||
      ts.isExportSpecifier(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === node
  ) {
    return false;
  }
  // In a type (`x: typeof fetch`): erased, no I/O.
  for (let n: ts.Node = node; n.parent; n = n.parent) if (ts.isTypeNode(n)) return false;
  return true;
}
