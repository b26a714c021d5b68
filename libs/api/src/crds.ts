// The CRD YAML shipped beside this package (libs/api/crds, one CRD per file) and how to read one. The files are read
// where they are needed (test/env installs them, the specs check them), so this package does no I/O.
import { parse } from 'yaml';
import type { CustomResourceDefinition } from './custom-resource-definition.js';

/** The folder holding one CRD per file; src/ and dist/ both sit next to it, so the URL holds before and after a build. */
export const CRD_DIRECTORY = new URL('../crds/', import.meta.url);

/** One CRD file's text as a CustomResourceDefinition; `source` names the file in the error. */
export function parseCustomResourceDefinition(text: string, source: string): CustomResourceDefinition {
  const document: unknown = parse(text);
  if (!isCustomResourceDefinition(document)) {
    throw new Error(`${source} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
  }
  return document;
}

function isCustomResourceDefinition(value: unknown): value is CustomResourceDefinition {
  const candidate = value as Partial<CustomResourceDefinition> | null;
  return (
    candidate?.apiVersion === 'apiextensions.k8s.io/v1' &&
    candidate.kind === 'CustomResourceDefinition' &&
    Array.isArray(candidate.spec?.versions)
  );
}
