import { Injectable, Logger } from '@nestjs/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, KubeHttp, ResourceClient } from '@kmm-hub/kube';

/** An Event as sent: timestamps are RFC 3339 strings, which the generated V1Event type models as Date. */
type EventJson = KubernetesObject & Record<string, unknown>;

const REPEAT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 5_000;

/**
 * Kubernetes Events about our objects, for `kubectl describe`. A repeat of the same event on the same object within
 * ten minutes is dropped, so a key that fails on every retry does not flood the API server. Messages must never
 * carry secret material: callers pass reasons built from names and states only.
 */
@Injectable()
export class EventRecorderService {
  private readonly logger = new Logger(EventRecorderService.name);
  private readonly recent = new Map<string, number>();

  private readonly events: ResourceClient<EventJson>;

  constructor(http: KubeHttp) {
    this.events = new ResourceClient<EventJson>(http, BUILTIN_RESOURCES.Event);
  }

  async record(
    object: KubernetesObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now = Date.now(),
  ): Promise<void> {
    const uid = object.metadata?.uid ?? object.metadata?.name ?? '';
    const key = `${uid}\u0000${reason}\u0000${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
    this.remember(key, now);
    // Cluster-scoped objects get their events in "default", as kubectl looks for them there.
    const namespace = object.metadata?.namespace ?? 'default';
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      await this.events.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${object.metadata?.name ?? 'object'}.`, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata?.name,
          ...(object.metadata?.namespace && { namespace: object.metadata.namespace }),
          ...(object.metadata?.uid && { uid: object.metadata.uid }),
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: 'kmm-hub' },
        reportingComponent: 'kmm-hub',
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
    } catch (err) {
      // An event is a courtesy: failing to write one must not fail the reconcile that emitted it.
      this.logger.warn({ reason, object: object.metadata?.name, err: String(err) }, 'could not write event');
    }
  }

  private remember(key: string, now: number): void {
    if (this.recent.size >= MAX_REMEMBERED) {
      for (const [k, t] of this.recent) if (now - t >= REPEAT_WINDOW_MS) this.recent.delete(k);
      if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
    }
    this.recent.set(key, now);
  }
}
