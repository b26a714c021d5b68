// Types of generate-types.mjs, for the unit test that imports it (src/generated-types.spec.ts).

export declare const CRD_DIR: string;
export declare const GENERATED_DIR: string;

export interface CrdFile {
  name: string;
  text: string;
}

export interface GenerateOptions {
  crdDir?: string;
  generatedDir?: string;
}

export declare function toKebabCase(kind: string): string;
export declare function toTypeSchema(node: object, options?: { isRoot?: boolean }): Record<string, unknown>;
export declare function renderGeneratedFiles(crdFiles: CrdFile[]): Promise<Map<string, string>>;
export declare function listStaleFiles(expected: Map<string, string>, actual: Map<string, string>): string[];
export declare function readCrdFiles(crdDir?: string): Promise<CrdFile[]>;
export declare function readGeneratedFiles(generatedDir?: string): Promise<Map<string, string>>;
export declare function checkGeneratedTypes(options?: GenerateOptions): Promise<string[]>;
export declare function writeGeneratedTypes(options?: GenerateOptions): Promise<string[]>;
