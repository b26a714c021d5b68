// The shape of the CRD YAML in libs/api/crds, as plain JSON. @kubernetes/client-node's V1CustomResourceDefinition
// renames the `x-kubernetes-*` keys to camelCase properties, so a parsed YAML document does not match it and must
// not be passed through its ObjectSerializer (the extensions would be dropped).

export type OpenApiV3Type = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

/** A node of a structural openAPIV3Schema (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface OpenApiV3Schema {
  type?: OpenApiV3Type;
  description?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, OpenApiV3Schema>;
  required?: string[];
  additionalProperties?: boolean | OpenApiV3Schema;
  items?: OpenApiV3Schema;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  uniqueItems?: boolean;
  anyOf?: OpenApiV3Schema[];
  oneOf?: OpenApiV3Schema[];
  allOf?: OpenApiV3Schema[];
  not?: OpenApiV3Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: OpenApiV3Schema };
  subresources?: { status?: Record<string, never>; scale?: Record<string, string> };
  additionalPrinterColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
    format?: string;
  }[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
    scope: 'Cluster' | 'Namespaced';
    preserveUnknownFields?: boolean;
    versions: CustomResourceDefinitionVersion[];
  };
}
