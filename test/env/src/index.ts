export type { ClusterInfo, EnvState, RegistryInfo } from './env-state.js';
export {
  startEnvironment,
  clusterKubeConfig,
  clientNodeConfig,
  controlPlaneBinaries,
  type Environment,
  type EnvironmentOptions,
} from './environment.js';
export { startApiServer, renderKubeconfig, type RunningApiServer } from './kube-apiserver.js';
export { ENV_DIR_PREFIX, ProcessGroup, freezeProcess, reapOrphans } from './processes.js';
export { holdsFor, waitUntil } from './wait.js';
export { createCertificateAuthority, createClientCert, createServingCert } from './pki.js';
export { clientWritesSince, readAuditLog, type AuditEvent } from './audit-log.js';
export { freePort } from './ports.js';
export { startDedicatedCluster, type DedicatedCluster } from './dedicated-cluster.js';
export { pushImage, type PushedImage } from './test-images.js';
export { startOidcIssuer, clientCredentialsToken, mintToken, type RunningOidcIssuer } from './oidc-issuer.js';
export type { OidcIssuerInfo, OidcMachineClient } from './env-state.js';
export {
  HELLO_MODULE_NAME,
  TestBuildah,
  compileHelloModule,
  createSigningKey,
  modinfo,
  newestKernelHeaders,
  pushHelloSourceImage,
  pushModuleLoaderImage,
  run,
  signFile,
  splitSignedModule,
  type CompiledModule,
  type SigningKey,
} from './kmod-fixture.js';
export {
  AGENT_NAMESPACE,
  DEMO_HUB_NAMESPACE,
  DEMO_SPOKE_NAMESPACE,
  applyDemoModules,
  demoKernelUpgrade,
  demoHubEnv,
  fleetTable,
  seedDemoFleet,
  startFleetProcesses,
  type DemoFleet,
  type DemoUpgrade,
  type FleetProcesses,
} from './demo-fleet.js';
export { applyManagedCluster, type ManagedClusterSeed } from './managed-clusters.js';
export { workConditions } from './work-conditions.js';
export { widgetCustomResourceDefinition } from './widget-crd.js';
export { installCrds } from './crds.js';
export { startRedis, type RunningRedis } from './redis.js';
