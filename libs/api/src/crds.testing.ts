// The CRDs of libs/api/crds read from disk, for this package's specs (test/env reads them the same way to install
// them).
import { readdir, readFile } from 'node:fs/promises';
import { CRD_DIRECTORY, parseCustomResourceDefinition } from './crds.js';
import type { CustomResourceDefinition } from './custom-resource-definition.js';

/** Parses every CRD of libs/api/crds, in file-name order (group, then plural). */
export async function loadCustomResourceDefinitions(): Promise<CustomResourceDefinition[]> {
  const names = (await readdir(CRD_DIRECTORY)).filter((name) => name.endsWith('.yaml')).toSorted();
  return Promise.all(
    names.map(async (name) => {
      const url = new URL(name, CRD_DIRECTORY);
      return parseCustomResourceDefinition(await readFile(url, 'utf8'), url.pathname);
    }),
  );
}
