import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { parseHubConfig } from './config/config.schema.js';
import { startAdmissionServer } from './admission/admission.module.js';
import { HubModule } from './hub.module.js';

const USAGE = `kmm-hub: Kernel Module Management hub

Configuration comes from the environment:
  HUB_ROLE        all | controller | worker | api   (default all)
  HUB_PORT        HTTP port for /healthz, /readyz, /metrics and the API (default 8080)
  HUB_KUBECONFIG  kubeconfig of the hub cluster (default: in-cluster)
  HUB_NAMESPACE   namespace of the hub's own objects (default kmm-hub)
  REDIS_URL       Redis for the build and sign queues (default redis://127.0.0.1:6379)
  ADMISSION_TLS_CERT_FILE, ADMISSION_TLS_KEY_FILE, ADMISSION_PORT
                  the admission webhook's certificate, key and HTTPS port (default 9443)
  LOG_LEVEL       fatal | error | warn | info | debug | trace (default info)
`;

async function bootstrap(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = parseHubConfig(process.env);
  const app = await NestFactory.create(await HubModule.forRole(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // Exit with 0 after a clean shutdown on SIGTERM instead of being ended by the signal.
  app.enableShutdownHooks([], { useProcessExit: true });
  // Loaded only where served: the controller and worker roles do without @nestjs/swagger and the API's modules.
  if (config.HUB_ROLE === 'all' || config.HUB_ROLE === 'api') (await import('./api/openapi.js')).setupOpenApi(app);
  await app.listen(config.HUB_PORT, config.HUB_HOST);
  // The ManagedClusterModule admission webhook: stateless, so it runs beside the API (deploy/hub-admission).
  if (config.HUB_ROLE === 'all' || config.HUB_ROLE === 'api') {
    const admission = await startAdmissionServer(config);
    if (admission) admission.enableShutdownHooks();
    else app.get(Logger).log('Admission webhook not served: no certificate at ADMISSION_TLS_CERT_FILE', 'Bootstrap');
  }
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`kmm-hub failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
