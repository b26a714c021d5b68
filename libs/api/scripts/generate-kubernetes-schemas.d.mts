// Types of generate-kubernetes-schemas.mjs, for its unit test (src/generate-kubernetes-schemas.spec.ts).

export type Schemas = Record<string, Record<string, unknown>>;

export declare const CRD_DIR: string;
export declare const KUBERNETES_VERSION: string;
export declare const OPENAPI_FILE: string;
export declare const MODULE_SPEC_FIELDS: Record<string, string>;
export declare const MODULE_SPEC_ROOTS: Record<string, string>;
export declare const OVERLAYS: Record<string, Record<string, unknown>>;

export declare function selectDefinitions(schemas: Schemas, roots: string[]): Schemas;
export declare function expandDefinition(schemas: Schemas, name: string): Record<string, unknown>;
export declare function readVendoredSchemas(file?: string): Promise<Schemas>;
export declare function renderCrds(options?: { crdDir?: string; schemas?: Schemas }): Promise<Map<string, string>>;
export declare function checkCrds(options?: { crdDir?: string }): Promise<string[]>;
