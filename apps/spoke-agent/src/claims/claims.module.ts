import { Module, type DynamicModule } from '@nestjs/common';
import type { SpokeConfig } from '../config/config.schema.js';
import { ClusterClaims } from './cluster-claims.service.js';
import { ClusterRegistrationReconciler } from './cluster-registration.reconciler.js';
import { KernelClaimReconciler } from './kernel-claim.reconciler.js';

/** The kernel ClusterClaim on the spoke and, in standalone mode, the ManagedCluster status and lease on the hub. */
@Module({})
export class ClaimsModule {
  static register(config: SpokeConfig): DynamicModule {
    return {
      module: ClaimsModule,
      providers: [ClusterClaims, KernelClaimReconciler, ...(config.STANDALONE ? [ClusterRegistrationReconciler] : [])],
      exports: [KernelClaimReconciler],
    };
  }
}
