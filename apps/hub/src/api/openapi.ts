// The OpenAPI document of /api/v1, generated from the controllers and their zod schemas, served as JSON at
// /api/openapi.json and as Swagger UI at /api/docs.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/web-session.service.js';
import { ApiModule } from './api.module.js';

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('KMM-Hub fleet API')
    .setDescription(
      'Clusters × modules × kernels, images and builds of a KMM-Hub fleet, read from the hub informer caches and build queues. ' +
        'Every route needs an OIDC access token (Bearer) or the web session cookie; errors are RFC 9457 problem details.',
    )
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addCookieAuth(SESSION_COOKIE)
    .build();
  // Only the API's own routes: health, metrics and the page are not part of it (and their roles need not load
  // @nestjs/swagger, about 14 MiB resident).
  return SwaggerModule.createDocument(app, config, { include: [ApiModule] });
}

/** Serves the document; call once on an application of role `all` or `api`, before it listens. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
  });
}
