import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { parseSpokeConfig } from './config/config.schema.js';
import { SpokeAgentModule } from './spoke-agent.module.js';

const USAGE = `kmm-spoke-agent: applies KMM-Hub ManifestWorks on a spoke cluster, reports its kernels to the hub, and
turns Modules into module-loader and device-plugin DaemonSets

Configuration comes from the environment:
  CLUSTER_NAME            this cluster's name on the hub (unset: no controller runs, only /healthz)
  HUB_KUBECONFIG          kubeconfig file of the hub cluster, or
  HUB_KUBECONFIG_SECRET   <namespace>/<name> of a Secret on this spoke holding it (key "kubeconfig")
  SPOKE_KUBECONFIG        kubeconfig of this cluster (default: in-cluster)
  AGENT_NAMESPACE         namespace the agent runs in (default kmm-spoke-agent)
  WORK_AGENT              apply ManifestWorks (default true; false when a klusterlet does)
  MODULE_RECONCILER       Module -> DaemonSets (default true; false when a real KMM runs)
  STANDALONE              no klusterlet: write ManagedCluster status and lease on the hub (default false)
  WORK_RESYNC_SECONDS     drift correction period (default 240)
  STATUS_SYNC_SECONDS     ManifestWork status period (default 10)
  CLUSTER_STATUS_SECONDS  standalone ManagedCluster status period (default 60)
  EVICTION_GRACE_SECONDS  delete what a vanished ManifestWork applied after this (default 3600)
  SPOKE_PORT              HTTP port for /healthz (default 8081)
  LOG_LEVEL               fatal | error | warn | info | debug | trace (default info)
`;

async function bootstrap(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = parseSpokeConfig(process.env);
  const app = await NestFactory.create(SpokeAgentModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  if (config.CLUSTER_NAME === undefined) {
    app.get(Logger).warn('CLUSTER_NAME is not set: no controller runs, only /healthz is served');
  }
  // Exit 0 after a clean shutdown (Nest would re-raise the signal), once pino has flushed.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.SPOKE_PORT, config.SPOKE_HOST);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`kmm-spoke-agent failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
