// The hub's Prometheus metrics, in a registry of this application (not prom-client's global one), so several hubs
// can live in one process (tests) and nothing is module-level state. Gauges of the fleet and the queues are read
// from their sources when /metrics is scraped.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * How often the event-loop delay histogram (`kmm_hub_nodejs_eventloop_lag_*`) samples. prom-client's default of
 * 10 ms wakes the process 100 times a second: 0.16 s of CPU per minute measured in a bare Node 24 process, a
 * quarter of an idle hub's. A stall longer than this still shows in the maximum and the percentiles.
 */
const EVENT_LOOP_SAMPLE_MS = 500;

type Collect = () => Promise<Record<string, number> | null> | Record<string, number> | null;

/** Registries named in labels at most; the checks of any further ones count under `other`. */
const MAX_REGISTRY_LABELS = 50;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];

@Injectable()
export class HubMetrics {
  readonly registry = new Registry();
  readonly apiRequests = new Counter({
    name: 'kmm_hub_api_requests_total',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly apiRequestDuration = new Histogram({
    name: 'kmm_hub_api_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  /** For the controller: one observation per reconcile, by result (success, requeue, error). */
  readonly reconciles = new Counter({
    name: 'kmm_hub_reconciles_total',
    help: 'Reconciles by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'kmm_hub_reconcile_duration_seconds',
    help: 'Reconcile duration by result',
    labelNames: ['result'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly imageJobDuration = new Histogram({
    name: 'kmm_hub_image_job_duration_seconds',
    help: 'Build and sign job run time (last attempt), by queue and result, as seen on the queue event stream',
    labelNames: ['queue', 'result'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly eventStreams = new Gauge({
    name: 'kmm_hub_api_event_streams',
    help: 'Open server-sent-event streams',
    registers: [this.registry],
  });
  /** For the image tracker: failed image checks (timeout, network, 5xx, 401/403) by registry. */
  readonly registryCheckFailures = new Counter({
    name: 'kmm_hub_registry_check_failures_total',
    help: 'Image checks that failed (timeout, network, 5xx, 401/403), by registry',
    labelNames: ['registry'] as const,
    registers: [this.registry],
  });
  readonly registryUp = new Gauge({
    name: 'kmm_hub_registry_up',
    help: '1 when the last image check against the registry got an answer, 0 when it failed',
    labelNames: ['registry'] as const,
    registers: [this.registry],
  });
  readonly #sources = new Map<string, Collect>();
  readonly #registryLabels = new Set<string>();
  #checksInFlight: (() => Map<string, number>) | undefined;
  #leader: { lease: string; isLeader: () => boolean } | undefined;
  #degradedByModule: (() => ReadonlyMap<string, number>) | undefined;

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'kmm_hub_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
    this.#gauge('kmm_hub_clusters', 'Managed clusters by availability', 'state', 'clusters');
    this.#gauge('kmm_hub_modules', 'ManagedClusterModules by state', 'state', 'modules');
    this.#gauge('kmm_hub_images', 'Distinct module images (image, kernel) by state', 'state', 'images');
    this.#gauge('kmm_hub_queue_jobs', 'Image jobs by queue and state', 'queue_state', 'queues');
    const inFlight = () => this.#checksInFlight?.() ?? new Map<string, number>();
    const label = (registry: string) => this.#registryLabel(registry);
    this.registry.registerMetric(
      new Gauge({
        name: 'kmm_hub_registry_checks_in_flight',
        help: 'Image checks queued or running, by registry (a registry that does not answer keeps them here)',
        labelNames: ['registry'],
        registers: [],
        collect() {
          this.reset();
          const totals = new Map<string, number>();
          for (const [registry, n] of inFlight()) totals.set(label(registry), (totals.get(label(registry)) ?? 0) + n);
          for (const [registry, n] of totals) this.set({ registry }, n);
        },
      }),
    );
    // Only processes that run a controller export a series (a gauge without labels would always show 0), so "no
    // leader anywhere" is max() < 1 or no series at all.
    const leader = () => this.#leader;
    this.registry.registerMetric(
      new Gauge({
        name: 'kmm_hub_leader',
        help: "1 when this process holds the controller's lease and reconciles, 0 while it stands by, by lease",
        labelNames: ['lease'],
        registers: [],
        collect() {
          this.reset();
          const source = leader();
          if (source) this.set({ lease: source.lease }, source.isLeader() ? 1 : 0);
        },
      }),
    );
    // One series per ManagedClusterModule (cluster-scoped, so the name is unique), as many as there are modules.
    const degraded = () => this.#degradedByModule?.() ?? new Map<string, number>();
    this.registry.registerMetric(
      new Gauge({
        name: 'kmm_hub_module_degraded_clusters',
        help: 'Selected clusters where the ManagedClusterModule is Degraded (apply or kernel image failed), by module',
        labelNames: ['module'],
        registers: [],
        collect() {
          this.reset();
          for (const [module, n] of degraded()) this.set({ module }, n);
        },
      }),
    );
  }

  /** Registers where the leader gauge reads whether this process holds the controller's lease (controller role). */
  setLeaderSource(lease: string, isLeader: () => boolean): void {
    this.#leader = { lease, isLeader };
  }

  /** Registers where the per-module gauge reads, per ManagedClusterModule, its clusters in state Degraded. */
  setDegradedClustersSource(collect: () => ReadonlyMap<string, number>): void {
    this.#degradedByModule = collect;
  }

  /** Records the end of one image check against a registry. */
  observeRegistryCheck(registry: string, answered: boolean): void {
    const labels = { registry: this.#registryLabel(registry) };
    if (!answered) this.registryCheckFailures.inc(labels);
    this.registryUp.set(labels, answered ? 1 : 0);
  }

  /** Registers where the in-flight gauge reads the image checks per registry at scrape time. */
  setChecksInFlightSource(collect: () => Map<string, number>): void {
    this.#checksInFlight = collect;
  }

  /** Registry hosts come from user specs: name the first ones, fold the rest into `other` to bound the series. */
  #registryLabel(registry: string): string {
    if (this.#registryLabels.has(registry)) return registry;
    if (this.#registryLabels.size >= MAX_REGISTRY_LABELS) return 'other';
    this.#registryLabels.add(registry);
    return registry;
  }

  /** Registers where a fleet gauge reads its values at scrape time. */
  setSource(name: 'clusters' | 'modules' | 'images' | 'queues', collect: Collect): void {
    this.#sources.set(name, collect);
  }

  /** Observes one reconcile (for the controller). */
  observeReconcile(result: 'success' | 'requeue' | 'error', seconds: number): void {
    this.reconciles.inc({ result });
    this.reconcileDuration.observe({ result }, seconds);
  }

  #gauge(name: string, help: string, label: 'state' | 'queue_state', source: string): void {
    const sources = this.#sources;
    const labelNames = label === 'state' ? ['state'] : ['queue', 'state'];
    const gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [],
      async collect() {
        this.reset();
        const values = await sources.get(source)?.();
        for (const [key, value] of Object.entries(values ?? {})) {
          if (label === 'state') this.set({ state: key }, value);
          else {
            const [queue = '', state = ''] = key.split('/');
            this.set({ queue, state }, value);
          }
        }
      },
    });
    this.registry.registerMetric(gauge);
  }
}
