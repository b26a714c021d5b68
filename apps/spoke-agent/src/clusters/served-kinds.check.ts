import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { RESOURCES } from '@kmm-hub/api';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { SpokeClient } from './cluster-clients.js';

/**
 * Fails start-up, naming every problem at once, when the spoke does not serve a kind an enabled controller needs
 * (a CRD is missing, or the API server is unreachable). The hub is not checked: it may be down for a while, and the
 * work agent waits for it with back-off instead.
 */
@Injectable()
export class ServedKindsCheck implements OnModuleInit {
  constructor(
    private readonly spoke: SpokeClient,
    @Inject(SPOKE_CONFIG) private readonly config: SpokeConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const needed = [
      RESOURCES.ClusterClaim,
      ...(this.config.WORK_AGENT ? [RESOURCES.AppliedManifestWork] : []),
      ...(this.config.MODULE_RECONCILER ? [RESOURCES.Module] : []),
    ];
    const results = await Promise.allSettled(needed.map((r) => this.spoke.paths.resource(r.apiVersion, r.kind)));
    const problems = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${needed[i]?.kind}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`]
        : [],
    );
    if (problems.length > 0) throw new Error(`the spoke cluster is not ready for the agent: ${problems.join('; ')}`);
  }
}
