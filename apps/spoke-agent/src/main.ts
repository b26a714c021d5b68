import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { parseSpokeConfig } from './config/config.schema.js';
import { SpokeAgentModule } from './spoke-agent.module.js';

const USAGE = `kmm-spoke-agent: applies KMM-Hub ManifestWorks on a spoke cluster and reports kernels back

Configuration comes from the environment:
  CLUSTER_NAME      this cluster's name on the hub
  HUB_KUBECONFIG    kubeconfig of the hub cluster
  SPOKE_KUBECONFIG  kubeconfig of this cluster (default: in-cluster)
  SPOKE_PORT        HTTP port for /healthz (default 8081)
  LOG_LEVEL         fatal | error | warn | info | debug | trace (default info)
`;

async function bootstrap(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = parseSpokeConfig(process.env);
  const app = await NestFactory.create(SpokeAgentModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.SPOKE_PORT, config.SPOKE_HOST);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`kmm-spoke-agent failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
