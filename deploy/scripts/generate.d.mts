// Types of generate.mjs, for the tests that import it.
import type { KubeObject } from './kustomize.mjs';

export declare const LIBS_API_CRDS: string;
export declare const DEPLOY_CRDS: string;
export declare const SPOKE_AGENT_BASE: string;
export declare const SPOKE_AGENT_POLICY: string;
export declare const CRD_SETS: Record<string, 'hub' | 'spoke' | 'ocm-hub' | 'ocm-spoke' | null>;
export declare const POLICY_NAMESPACE: string;
export declare const HUB_KUBECONFIG_SECRET_SUFFIX: string;
export declare const AGENT_SECRET_NAME: string;

export declare function agentSecretTemplate(namespace: string): KubeObject;
export declare function renderSpokeAgentPolicy(baseObjects: KubeObject[]): KubeObject;
export declare function renderCrdFiles(): Promise<Map<string, string>>;
export declare function renderPolicyFiles(): Promise<Map<string, string>>;
export declare function renderDeployFiles(): Promise<Map<string, string>>;
export declare function checkDeployFiles(): Promise<string[]>;
export declare function writeDeployFiles(): Promise<string[]>;

export declare const HUB_BASE: string;
export declare const OLM_BUNDLE: string;
export declare const OLM_ICON: string;
export declare const OLM_PACKAGE: string;
export declare const OLM_CHANNEL: string;
export declare const MCM_EXAMPLE: KubeObject;
export declare function olmBundleAnnotations(): Record<string, string>;
export declare function renderClusterServiceVersion(input: {
  hubObjects: KubeObject[];
  ocmHubCrds: KubeObject[];
  version: string;
  icon: string;
}): KubeObject;
export declare function renderOlmFiles(): Promise<Map<string, string>>;
