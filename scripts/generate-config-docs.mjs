// Writes docs/configuration.md from the two configuration schemas (apps/*/src/config/config.schema.ts): every
// environment variable with its default, allowed values and the comment above it. `--check` fails when the file
// is stale. Reads the TypeScript source with the compiler API, so the comments stay the single source.
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const ROOT = new URL('../', import.meta.url);
const OUT = new URL('docs/configuration.md', ROOT);
const SCHEMAS = [
  { title: 'Hub (`apps/hub`)', file: 'apps/hub/src/config/config.schema.ts', name: 'hubConfigSchema' },
  {
    title: 'Spoke agent (`apps/spoke-agent`)',
    file: 'apps/spoke-agent/src/config/config.schema.ts',
    name: 'spokeConfigSchema',
  },
];

function commentOf(node, source) {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  return ranges
    .map((r) => source.text.slice(r.pos, r.end))
    .map((c) =>
      c
        .replace(/^\/\*\*?|\*\/$/g, '')
        .split('\n')
        .map((l) =>
          l
            .replace(/^\s*\*\s?/, '')
            .replace(/^\s*\/\/\s?/, '')
            .trim(),
        )
        .filter(Boolean)
        .join(' '),
    )
    .join(' ');
}

function describe(expr, source) {
  const text = expr.getText(source).replace(/\s+/g, ' ');
  const def = /\.default\(([^)]*(?:\([^)]*\))?[^)]*)\)/.exec(text)?.[1]?.trim();
  const enumeration = /z\.enum\(\[([^\]]*)\]\)/.exec(text)?.[1];
  const values = enumeration
    ? enumeration
        .split(',')
        .map((v) => v.trim().replace(/^'|'$/g, ''))
        .filter(Boolean)
    : undefined;
  const constEnum = /z\.enum\(([A-Z_]+)\)/.exec(text)?.[1];
  const kind = /stringbool|booleanFlag/.test(text)
    ? 'boolean'
    : /coerce\.number|seconds\(/.test(text)
      ? 'number'
      : /\.url\(\)/.test(text)
        ? 'URL'
        : 'string';
  const secondsDefault = /seconds\((\d+)\)/.exec(text)?.[1];
  return {
    kind: values ? 'one of' : constEnum ? `one of ${constEnum}` : kind,
    values,
    default: def !== undefined ? def.replace(/_/g, '') : secondsDefault,
    optional: /\.optional\(\)/.test(text),
  };
}

function findSchema(source, name) {
  let found;
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === name) found = node;
    ts.forEachChild(node, visit);
  };
  visit(source);
  let object;
  const findObject = (node) => {
    if (
      !object &&
      ts.isCallExpression(node) &&
      node.expression.getText(source).replace(/\s+/g, '').endsWith('z.object')
    )
      object = node.arguments[0];
    ts.forEachChild(node, findObject);
  };
  findObject(found);
  return object;
}

export function renderConfigurationDocs() {
  const out = [
    '# Configuration reference',
    '',
    'Generated from the configuration schemas by `npm run generate` (`scripts/generate-config-docs.mjs`); do not edit.',
    'Every setting is an environment variable, checked at start-up; a bad value stops the process with every problem',
    'listed at once.',
    '',
  ];
  for (const schema of SCHEMAS) {
    const source = ts.createSourceFile(
      schema.file,
      readFileSync(new URL(schema.file, ROOT), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const object = findSchema(source, schema.name);
    out.push(`## ${schema.title}`, '', '| variable | type | default | description |', '|---|---|---|---|');
    for (const prop of object.properties) {
      if (!ts.isPropertyAssignment(prop)) continue;
      const d = describe(prop.initializer, source);
      const type = d.values ? `one of ${d.values.map((v) => `\`${v}\``).join(', ')}` : d.kind;
      const def = d.default !== undefined ? `\`${d.default}\`` : d.optional ? '(unset)' : '(required)';
      const text = commentOf(prop, source).replace(/\|/g, '\\|');
      out.push(`| \`${prop.name.getText(source)}\` | ${type} | ${def} | ${text} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

const rendered = renderConfigurationDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {
    current = '';
  }
  if (current !== rendered) {
    process.stderr.write('docs/configuration.md is stale: run npm run generate\n');
    process.exit(1);
  }
} else {
  writeFileSync(OUT, rendered);
}
