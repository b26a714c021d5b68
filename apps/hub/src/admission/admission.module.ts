// The validating admission webhook for ManagedClusterModules. It is its own Nest application on its own HTTPS port
// (ADMISSION_PORT) rather than a route of the hub's HTTP server: the kube-apiserver only calls webhooks over TLS,
// an AdmissionReview carries the object and the old object (up to twice etcd's 1.5 MB), far above the API's body
// limit, and none of the API's guards, pipes and problem+json filter apply to it.
import { readFile } from 'node:fs/promises';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loggerModule } from '@kmm-hub/logging';
import { Logger } from 'nestjs-pino';
import type { HubConfig } from '../config/config.schema.js';
import { AdmissionController } from './admission.controller.js';

/** Room for an AdmissionReview holding two objects at etcd's limit, plus the envelope. */
const REVIEW_BODY_LIMIT = '4mb';

@Module({})
export class AdmissionModule {
  static register(config: Pick<HubConfig, 'LOG_LEVEL'>): DynamicModule {
    return {
      module: AdmissionModule,
      imports: [loggerModule(config.LOG_LEVEL, 'kmm-hub-admission')],
      controllers: [AdmissionController],
    };
  }
}

type AdmissionServerConfig = Pick<
  HubConfig,
  'LOG_LEVEL' | 'HUB_HOST' | 'ADMISSION_PORT' | 'ADMISSION_TLS_CERT_FILE' | 'ADMISSION_TLS_KEY_FILE'
>;

/**
 * Starts the webhook's HTTPS server when its certificate and key files exist. They come from an optional Secret
 * volume (deploy/hub/api.yaml), so a hub installed without the webhook (deploy/hub-admission) starts without it.
 * Returns undefined then, and the application otherwise (its `getHttpServer().address()` says the port).
 */
export async function startAdmissionServer(config: AdmissionServerConfig): Promise<INestApplication | undefined> {
  const { ADMISSION_TLS_CERT_FILE: certFile, ADMISSION_TLS_KEY_FILE: keyFile } = config;
  if (certFile === undefined || keyFile === undefined) return undefined;
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (cert === undefined || key === undefined) return undefined;
  const app = await NestFactory.create<NestExpressApplication>(AdmissionModule.register(config), {
    httpsOptions: { cert, key },
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: REVIEW_BODY_LIMIT });
  await app.listen(config.ADMISSION_PORT, config.HUB_HOST);
  return app;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`read ${path}`, { cause: err });
  }
}
