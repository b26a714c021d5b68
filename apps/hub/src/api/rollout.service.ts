import { Injectable } from '@nestjs/common';
import { RESOURCES, type ManagedClusterModule } from '@kmm-hub/api';
import { KubeHttp, ResourceClient, isNotFound } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { EventRecorderService } from '../controller/event-recorder.service.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { ResourceNotFoundError, StateConflictError } from './api-errors.js';
import type { RolloutView } from './dto/rollout.dto.js';

/** spec.rollout and status.rollout of one ManagedClusterModule, and the admin's pause and resume. */
@Injectable()
export class RolloutService {
  private readonly mcms: ResourceClient<ManagedClusterModule>;

  constructor(
    private readonly caches: HubCacheService,
    private readonly events: EventRecorderService,
    @InjectPinoLogger(RolloutService.name) private readonly logger: PinoLogger,
    http: KubeHttp,
  ) {
    this.mcms = new ResourceClient<ManagedClusterModule>(http, RESOURCES.ManagedClusterModule);
  }

  view(name: string): RolloutView {
    return toView(this.get(name));
  }

  /**
   * Sets spec.rollout.paused and records who did it in an Event on the
   * ManagedClusterModule. Refused (409) when the module has no progressive rollout: there is nothing to hold.
   */
  async setPaused(name: string, paused: boolean, subject: string): Promise<RolloutView> {
    const mcm = await this.mcms.get(name).catch((err: unknown) => {
      throw isNotFound(err) ? new ResourceNotFoundError('ManagedClusterModule', name) : err;
    });
    const type = mcm.spec?.rollout?.type ?? 'All';
    if (type === 'All') {
      throw new StateConflictError(
        `ManagedClusterModule ${name}: spec.rollout.type is All (every cluster at once), there is no rollout to ${paused ? 'pause' : 'resume'}; set spec.rollout.type to Progressive or ProgressivePerGroup`,
      );
    }
    // No resourceVersion precondition: the controller's status writes bump it every few seconds, and a merge patch
    // of this one field cannot undo anyone else's change.
    const updated = await this.mcms.mergePatch(name, { spec: { rollout: { paused } } });
    const verb = paused ? 'paused' : 'resumed';
    this.logger.info({ mcm: name, subject, paused }, 'rollout pause changed');
    await this.events.record(
      updated,
      'Normal',
      paused ? 'RolloutPaused' : 'RolloutResumed',
      `rollout ${verb} by ${subject}`,
    );
    return toView(updated);
  }

  private get(name: string): ManagedClusterModule {
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm) throw new ResourceNotFoundError('ManagedClusterModule', name);
    return mcm;
  }
}

function toView(mcm: ManagedClusterModule): RolloutView {
  const spec = mcm.spec?.rollout;
  const config = spec?.progressive ?? spec?.progressivePerGroup;
  const status = mcm.status?.rollout;
  const records = new Map((status?.clusters ?? []).map((c) => [c.name, c]));
  return {
    name: mcm.metadata.name ?? '',
    strategy: {
      type: spec?.type ?? 'All',
      paused: spec?.paused === true,
      ...(spec?.groupLabel !== undefined && { groupLabel: spec.groupLabel }),
      ...(spec?.progressive?.maxConcurrency !== undefined && { maxConcurrency: spec.progressive.maxConcurrency }),
      ...(config?.minSuccessTime !== undefined && { minSuccessTime: config.minSuccessTime }),
      ...(config?.progressDeadline !== undefined && { progressDeadline: config.progressDeadline }),
      ...(config?.maxFailures !== undefined && { maxFailures: config.maxFailures }),
      mandatoryGroups: (config?.mandatoryDecisionGroups ?? []).map((g) => g.groupName ?? ''),
    },
    state: status?.state ?? null,
    wave: status?.wave ?? 0,
    ...(status?.message !== undefined && { message: status.message }),
    counts: {
      updated: status?.numberUpdated ?? 0,
      progressing: status?.numberProgressing ?? 0,
      pending: status?.numberPending ?? 0,
      failed: status?.numberFailed ?? 0,
    },
    clusters: (mcm.status?.clusters ?? []).map((c) => {
      const record = records.get(c.name);
      return {
        name: c.name,
        ...(c.rollout !== undefined && { rollout: c.rollout }),
        ...(c.revision !== undefined && { revision: c.revision }),
        ...(record?.wave !== undefined && { wave: record.wave }),
        ...(record && { since: record.since }),
        ...(record?.message !== undefined && { message: record.message }),
      };
    }),
  };
}
