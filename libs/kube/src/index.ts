export { createKubeConfig, type KubeConnection } from './kube-config.js';
export { ServerSideApplier } from './server-side-apply.js';
