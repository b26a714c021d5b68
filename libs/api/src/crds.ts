// The only I/O of this package: reading the CRD YAML shipped beside it. Kept apart so everything else stays pure.
import { readdir, readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { CustomResourceDefinition } from './custom-resource-definition.js';

/** The folder holding one CRD per file; src/ and dist/ both sit next to it, so the URL holds before and after a build. */
export const CRD_DIRECTORY = new URL('../crds/', import.meta.url);

/** Parses every CRD of libs/api/crds, in file-name order (group, then plural). */
export async function loadCustomResourceDefinitions(): Promise<CustomResourceDefinition[]> {
  const names = (await readdir(CRD_DIRECTORY)).filter((name) => name.endsWith('.yaml')).toSorted();
  return Promise.all(
    names.map(async (name) => {
      const url = new URL(name, CRD_DIRECTORY);
      const document: unknown = parse(await readFile(url, 'utf8'));
      if (!isCustomResourceDefinition(document)) {
        throw new Error(`${url.pathname} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
      }
      return document;
    }),
  );
}

function isCustomResourceDefinition(value: unknown): value is CustomResourceDefinition {
  const candidate = value as Partial<CustomResourceDefinition> | null;
  return (
    candidate?.apiVersion === 'apiextensions.k8s.io/v1' &&
    candidate.kind === 'CustomResourceDefinition' &&
    Array.isArray(candidate.spec?.versions)
  );
}
