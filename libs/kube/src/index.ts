export { backoffDelay } from './backoff.js';
export { Informer, type InformerLifecycle, type InformerOptions } from './informer.js';
export {
  KubeClientConfig,
  createKubeConfig,
  inClusterConfig,
  loadKubeconfigFile,
  loadKubeconfigFiles,
  selectKubeconfigContext,
  type KubeCluster,
  type KubeConnection,
  type KubeUser,
  type KubeconfigSelection,
} from './kube-config.js';
export { KubeApiError, KubeHttp, type KubeHttpOptions, type WatchEvent } from './kube-http.js';
export { LeaderElector, isLeaseExpired, type LeaderElectionOptions } from './leader-election.js';
export { ResourcePaths, type ObjectRef } from './resource-paths.js';
export { ServerSideApplier } from './server-side-apply.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
export {
  BUILTIN_RESOURCES,
  ResourceClient,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  type DeleteOptions,
  type DeletePreconditions,
  type FinalizerEditOptions,
  type JsonPatchOperation,
  type KubeList,
  type ListOptions,
  type ObjectLocation,
  type ResourceDescriptor,
} from './resource-client.js';
export {
  ExecCredentialSource,
  parseExecCredential,
  parseExecPluginConfig,
  type ExecCredential,
  type ExecPluginConfig,
} from './exec-credential.js';
