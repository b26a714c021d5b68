// Types of kustomize.mjs, for the tests that import it.

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface KustomizeResource {
  object: KubeObject;
  /** Repository-relative path of the file the object came from. */
  source: string;
}

export declare const REPO_ROOT: string;
export declare function compareResources(a: KubeObject, b: KubeObject): number;
export declare function resourceId(object: KubeObject): string;
export declare function parseYamlObjects(text: string, source: string): KubeObject[];
export declare function loadKustomization(dir: string): Promise<KustomizeResource[]>;
