import { Injectable } from '@nestjs/common';
import { ANNOTATIONS, type ManagedClusterModule } from '@kmm-hub/api';
import { canonicalJson } from '@kmm-hub/manifestwork';
import {
  planRollout,
  rolloutWorkStateOf,
  selectClusters,
  type RolloutClusterInput,
  type RolloutPlan,
} from '@kmm-hub/planner';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';

export interface RolloutGateAnswer {
  /** Whether the cluster may receive its newly rendered ManifestWork now (else it keeps the one it has). */
  deliver: boolean;
  /** Other clusters of the current wave whose ManifestWork is not written yet: plan them now. */
  released: string[];
  /** The rollout status changed: write status. */
  changed: boolean;
  /** When the next minSuccessTime or progressDeadline boundary passes. */
  requeueAfterMs?: number;
}

/**
 * Holds spec.rollout for the hub controller: remembers the spec hash last rendered for each (MCM, cluster) and asks
 * `planRollout` whether a cluster may get it now. The fleet-wide plan is made and stored synchronously, so clusters
 * reconciled concurrently see one another's releases and a wave is never started twice. Without a progressive
 * spec.rollout every cluster is delivered at once and nothing is kept.
 */
@Injectable()
export class RolloutGate {
  /** Per MCM, per cluster: the spec hash rendered for it and the MCM generation it was rendered from. */
  private readonly desired = new Map<string, Map<string, { specHash?: string; generation: number | undefined }>>();
  /** Per MCM: the last plan; its status is the `previous` of the next plan and is written by the status writer. */
  private readonly plans = new Map<string, RolloutPlan>();

  constructor(private readonly caches: HubCacheService) {}

  /** `specHash` is undefined when nothing could be rendered for the cluster (it keeps what it has, if anything). */
  decide(mcm: ManagedClusterModule, cluster: string, specHash: string | undefined, now: Date): RolloutGateAnswer {
    const name = mcm.metadata.name ?? '';
    const rollout = mcm.spec?.rollout;
    if (!rollout || (rollout.type ?? 'All') === 'All') {
      const changed = this.plans.has(name);
      this.forget(name);
      return { deliver: true, released: [], changed };
    }
    let desired = this.desired.get(name);
    if (!desired) this.desired.set(name, (desired = new Map()));
    desired.set(cluster, { ...(specHash !== undefined && { specHash }), generation: mcm.metadata.generation });

    const selection = selectClusters(mcm, this.caches.managedClusters.list(), this.caches.placementDecisions.list());
    const selected = selection.ok ? selection.selection.selected : [];
    const inputs: RolloutClusterInput[] = [];
    // Until every selected cluster is rendered for this generation the order of a new wave is not known: start none.
    let allRendered = true;
    for (const c of selected) {
      const clusterName = c.metadata.name ?? '';
      const mw = this.caches.manifestWork(name, clusterName);
      const current = mw?.metadata.annotations?.[ANNOTATIONS.specHash];
      const rendered = desired.get(clusterName);
      if (rendered?.generation !== mcm.metadata.generation) allRendered = false;
      const desiredRevision = rendered?.specHash ?? current;
      if (desiredRevision === undefined) continue;
      inputs.push({
        name: clusterName,
        labels: c.metadata.labels ?? {},
        ...(current !== undefined && { currentRevision: current }),
        desiredRevision,
        work: mw ? rolloutWorkStateOf(mw) : { state: 'NotReported' },
      });
    }
    const previousPlan = this.plans.get(name);
    const previous = previousPlan?.status ?? mcm.status?.rollout;
    const plan = planRollout({
      rollout: allRendered ? rollout : { ...rollout, paused: true },
      clusters: inputs,
      ...(previous && { previous }),
      now: now.toISOString(),
    });
    // A plan made while some clusters are still being rendered only tells who may go; it does not replace the status.
    if (allRendered) this.plans.set(name, plan);
    return {
      deliver: !plan.keep.has(cluster),
      released: plan.released.filter((c) => c !== cluster),
      changed: allRendered && canonicalJson(previousPlan?.status) !== canonicalJson(plan.status),
      ...(plan.requeueAfterMs !== undefined && { requeueAfterMs: plan.requeueAfterMs }),
    };
  }

  /** The last fleet-wide plan of this MCM, for its status; undefined without a progressive rollout. */
  planOf(mcm: ManagedClusterModule): RolloutPlan | undefined {
    const rollout = mcm.spec?.rollout;
    if (!rollout || (rollout.type ?? 'All') === 'All') return undefined;
    return this.plans.get(mcm.metadata.name ?? '');
  }

  forgetCluster(name: string, cluster: string): void {
    this.desired.get(name)?.delete(cluster);
  }

  forget(name: string): void {
    this.desired.delete(name);
    this.plans.delete(name);
  }

  clear(): void {
    this.desired.clear();
    this.plans.clear();
  }
}
