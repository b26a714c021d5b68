// Authentication for the API, the web page and (when METRICS_AUTH=viewer) /metrics. Static, so every module that
// imports it shares one verifier and one JWKS cache.
import { Module } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module.js';
import { ImageQueuesModule } from '../image-queues/image-queues.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { AUTH_SETTINGS, authSettingsFromConfig, type AuthSettings } from './auth-settings.js';
import { AuthenticationService } from './authentication.service.js';
import { OidcGuard } from './oidc.guard.js';
import { OidcVerifierService } from './oidc-verifier.service.js';
import { SessionRevocationsService } from './session-revocations.service.js';
import { WebSessionService } from './web-session.service.js';

@Module({
  imports: [ImageQueuesModule],
  providers: [
    {
      provide: AUTH_SETTINGS,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig): AuthSettings => {
        const result = authSettingsFromConfig(config);
        if (!result.ok) throw new Error(`invalid hub configuration: ${result.problems.join('; ')}`);
        return result.settings;
      },
    },
    OidcVerifierService,
    WebSessionService,
    SessionRevocationsService,
    AuthenticationService,
    OidcGuard,
  ],
  exports: [
    AUTH_SETTINGS,
    OidcVerifierService,
    WebSessionService,
    SessionRevocationsService,
    AuthenticationService,
    OidcGuard,
  ],
})
export class AuthModule {}
