import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../deploy/scripts/kustomize.mjs';

// Apps reach the Kubernetes API through the typed ResourceClient of @kmm-hub/kube (libs/kube/src/resource-client.ts),
// which alone knows how a kind's REST path is spelled. A string literal in an app that spells one is a hand-built
// path: a second way to do the same thing, with its own encoding and 404/409 handling. The hub's own REST API
// (/api/v1/modules, /api/v1/events, …) is not the Kubernetes API and is allowed.
const KUBE_PATH = [
  /\/apis\/[a-z${]/,
  /\/api\/v1\/(namespaces|nodes|persistentvolumes|componentstatuses)\b/,
  /\/api\/\$\{/,
];
const STRING_LITERAL = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
// Tests may talk to the API server directly to set a scene or check a result; product code and harnesses may not.
const IS_TEST = /\.(spec|int\.spec|e2e\.spec)\.ts$/;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(REPO_ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.isFile() && path.endsWith('.ts') && !IS_TEST.test(path)) out.push(path);
  }
  return out;
}

/** `file:line: literal` for every string literal that spells a Kubernetes API path. */
export function handBuiltPaths(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(STRING_LITERAL)) {
    if (!KUBE_PATH.some((p) => p.test(m[0]))) continue;
    const line = text.slice(0, m.index).split('\n').length;
    found.push(`${file}:${line}: ${m[0]}`);
  }
  return found;
}

describe('Kubernetes API paths in apps', () => {
  it.each([
    ['const p = `/apis/${g}/${v}/${plural}`;', 1],
    ["http.json('GET', '/apis/batch/v1/namespaces/x/jobs')", 1],
    ["http.json('PATCH', `/api/v1/nodes/${name}`)", 1],
    ['const s = "/api/v1/namespaces/" + ns;', 1],
    ['const base = r.group ? `/apis/${r.group}` : `/api/${r.version}`;', 2],
    ["api('/api/v1/modules/' + name); new EventSource('/api/v1/events');", 0],
    ['resourcePath(BUILTIN_RESOURCES.Node, { name })', 0],
  ])('finds the hand-built paths in %j', (text, count) => {
    expect(handBuiltPaths('x.ts', text)).toHaveLength(count);
  });

  it('are never spelled by hand outside libs/kube', async () => {
    const found: string[] = [];
    for (const app of await readdir(join(REPO_ROOT, 'apps'))) {
      for (const file of await sourceFiles(`apps/${app}/src`)) {
        found.push(...handBuiltPaths(file, await readFile(join(REPO_ROOT, file), 'utf8')));
      }
    }
    expect(found).toEqual([]);
  });
});
