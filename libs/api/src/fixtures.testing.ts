// Test-only: reads the YAML fixtures of test/fixtures (upstream KMM samples and docs, the hub e2e manifest, our own
// OCM objects). Not exported from index.ts; unit and integration specs share it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const FIXTURES = new URL('../test/fixtures/', import.meta.url);
/** Kinds served by Kubernetes itself; the upstream hub e2e manifest carries Secrets and a ConfigMap. */
export const BUILT_IN_KINDS = new Set(['v1/Secret', 'v1/ConfigMap']);

export interface KubeDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

export interface Fixture {
  /** `<file>#<document index>` */
  id: string;
  object: KubeDocument;
}

export async function loadFixtures(): Promise<Fixture[]> {
  // Dot files are tool configuration (kmm/.prettierrc.yaml), not fixtures.
  const files = (await readdir(FIXTURES, { recursive: true }))
    .filter((file) => file.endsWith('.yaml') && !path.basename(file).startsWith('.'))
    .toSorted();
  const fixtures: Fixture[] = [];
  for (const file of files) {
    const documents = parseAllDocuments(await readFile(new URL(file, FIXTURES), 'utf8'));
    documents.forEach((document, index) => {
      if (document.errors.length > 0) throw new Error(`${file}#${index}: ${document.errors[0]?.message}`);
      const object = document.toJS() as KubeDocument | null;
      if (object) fixtures.push({ id: `${file}#${index}`, object });
    });
  }
  return fixtures;
}
