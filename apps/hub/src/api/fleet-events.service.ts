// The event stream behind GET /api/v1/events: one subscription to the caches and the queues for the whole process,
// coalesced (a burst of cache events becomes one `cells` event with the matrix cells that changed; a job's progress
// reports become at most one `build` event per job per interval) and fanned out to every open stream.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Observable, Subject } from 'rxjs';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubMetrics } from '../metrics/metrics.js';
import type { QueueName } from '../image-queues/jobs.js';
import { BuildJobsService } from './build-jobs.service.js';
import type { MatrixCell } from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';
import { diffCells } from './summarize-fleet.js';

const FLEET_DEBOUNCE_MS = 100;
/** A flush rebuilds the fleet model; the next waits this many times as long as the last rebuild took (see below). */
const FLEET_REBUILD_FACTOR = 4;
const FLEET_DELAY_MAX_MS = 2_000;
const BUILD_DEBOUNCE_MS = 250;

@Injectable()
export class FleetEventsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #events = new Subject<MessageEvent>();
  #cells: MatrixCell[] = [];
  #fleetTimer: NodeJS.Timeout | undefined;
  #fleetDelayMs = FLEET_DEBOUNCE_MS;
  /** Jobs with a pending build event; emptied at every flush. */
  readonly #pendingJobs = new Map<string, { queue: QueueName; jobId: string }>();
  #buildTimer: NodeJS.Timeout | undefined;
  #revision = 0;

  constructor(
    private readonly fleet: FleetService,
    private readonly builds: BuildJobsService,
    private readonly metrics: HubMetrics,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectPinoLogger(FleetEventsService.name) private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.fleet.onChange(() => {
      this.#fleetTimer ??= setTimeout(() => this.#flushFleet(), this.#fleetDelayMs);
    });
    this.builds.onJobEvent((e) => {
      this.#pendingJobs.set(`${e.queue}/${e.jobId}`, e);
      this.#buildTimer ??= setTimeout(() => void this.#flushBuilds(), BUILD_DEBOUNCE_MS);
    });
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.#fleetTimer);
    clearTimeout(this.#buildTimer);
    this.#events.complete();
  }

  /**
   * A stream for one client: `hello` first, then `cells` and `build` events, and a `ping` every heartbeat. It ends
   * when the caller's credential expires (`until`, epoch seconds), so a stream never outlives its token, and at the
   * first heartbeat at which `stillValid` (a signed-out web session, for one) answers false.
   */
  stream(until?: number, stillValid?: () => Promise<boolean>): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      this.metrics.eventStreams.inc();
      subscriber.next({ type: 'hello', data: { revision: this.#revision } });
      const sub = this.#events.subscribe(subscriber);
      const ping = setInterval(() => {
        if (!stillValid) {
          subscriber.next({ type: 'ping', data: { at: new Date().toISOString() } });
          return;
        }
        stillValid().then(
          (valid) =>
            valid ? subscriber.next({ type: 'ping', data: { at: new Date().toISOString() } }) : subscriber.complete(),
          // Not known to be valid (Redis does not answer): ended, as a new request would be refused.
          (err: unknown) => {
            this.logger.warn(
              { err: err instanceof Error ? err.message : String(err) },
              'event stream ended: session not checkable',
            );
            subscriber.complete();
          },
        );
      }, this.config.API_EVENTS_HEARTBEAT_S * 1000);
      const expiry =
        until !== undefined
          ? setTimeout(() => subscriber.complete(), Math.max(0, until * 1000 - Date.now()))
          : undefined;
      return () => {
        this.metrics.eventStreams.dec();
        sub.unsubscribe();
        clearInterval(ping);
        clearTimeout(expiry);
      };
    });
  }

  #flushFleet(): void {
    this.#fleetTimer = undefined;
    const started = performance.now();
    const model = this.fleet.model();
    // The rebuild walks every (MCM, cluster): at 10,000 clusters it takes long enough that a flush every 100 ms
    // during a fan-out would keep a core busy. Spacing flushes by a multiple of the last rebuild bounds that share
    // (1 / FLEET_REBUILD_FACTOR), and small fleets keep the 100 ms.
    this.#fleetDelayMs = Math.min(
      FLEET_DELAY_MAX_MS,
      Math.max(FLEET_DEBOUNCE_MS, FLEET_REBUILD_FACTOR * (performance.now() - started)),
    );
    const changed = diffCells(this.#cells, model.matrix.cells);
    this.#cells = model.matrix.cells;
    this.#revision++;
    this.#events.next({
      type: 'cells',
      // The module overview is small (one entry per module) and lets a page keep its summary current without a
      // request; cells are sent only when they changed, as a 10,000-cluster matrix is not.
      data: { revision: this.#revision, changed, totals: model.totals, modules: model.overview },
    });
  }

  async #flushBuilds(): Promise<void> {
    this.#buildTimer = undefined;
    const jobs = [...this.#pendingJobs.values()];
    this.#pendingJobs.clear();
    const seen = new Set<string>();
    for (const { queue, jobId } of jobs) {
      try {
        const build = await this.builds.summaryOf(queue, jobId);
        if (!build || seen.has(build.id)) continue;
        seen.add(build.id);
        this.#events.next({ type: 'build', data: build });
      } catch (err) {
        this.logger.warn(
          { queue, jobId, err: err instanceof Error ? err.message : String(err) },
          'build event dropped',
        );
      }
    }
  }
}
