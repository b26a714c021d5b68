import type { KubernetesObject } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay } from './backoff.js';
import { KubeApiError, type KubeHttp, type WatchEvent } from './kube-http.js';

export type InformerLifecycle =
  | { type: 'listed'; resourceVersion: string; count: number }
  | { type: 'watching'; resourceVersion: string }
  | { type: 'gone'; resourceVersion: string }
  | { type: 'bookmark'; resourceVersion: string }
  | { type: 'error'; phase: 'list' | 'watch'; error: unknown; retryInMs: number }
  /** An optional resource that the API server does not serve (404 on list); listing is tried again later. */
  | { type: 'notServed'; retryInMs: number };

export interface InformerOptions<T extends KubernetesObject = KubernetesObject> {
  /** Collection path, e.g. /apis/work.open-cluster-management.io/v1/manifestworks or …/namespaces/x/manifestworks. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Server-side watch timeout; the stream then ends and is resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  backoff?: { baseMs: number; maxMs: number };
  pageSize?: number;
  /**
   * The resource may not be served (its CRD is not installed): a 404 on list then counts as an empty, synced cache
   * instead of an error that keeps the informer unsynced, and the list is tried again every retryMs.
   */
  optional?: { retryMs: number };
  /**
   * Applied to every object before it is cached and handed to handlers, as client-go's
   * `SharedIndexInformer.SetTransform` (k8s.io/client-go/tools/cache/shared_informer.go): a cache of thousands of
   * objects keeps only what its readers use (`withoutManagedFields` drops the server-side apply bookkeeping, about
   * half of a small object).
   */
  transform?: (obj: T) => T;
}

/** Transform for `InformerOptions.transform`: the object without `metadata.managedFields`, which no reader uses. */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

type Handler<T> = (obj: T, old?: T) => void;

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

class GoneError extends Error {}

/**
 * A list-watch cache like client-go's reflector: lists, then watches from the list's resourceVersion asking for
 * bookmarks; a dropped stream resumes from the last seen resourceVersion; 410 Gone (expired resourceVersion) re-lists
 * and emits the difference; errors retry with capped exponential backoff forever. It never stops by itself.
 */
export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = { add: [] as Handler<T>[], update: [] as Handler<T>[], delete: [] as Handler<T>[] };
  private readonly lifecycleHandlers: ((ev: InformerLifecycle) => void)[] = [];
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private syncedResolve!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((r) => (this.syncedResolve = r));
  private isSynced = false;

  constructor(
    private readonly http: KubeHttp,
    private readonly opts: InformerOptions<T>,
  ) {}

  on(event: 'add' | 'update' | 'delete', handler: Handler<T>): this {
    this.handlers[event].push(handler);
    return this;
  }

  onLifecycle(handler: (ev: InformerLifecycle) => void): this {
    this.lifecycleHandlers.push(handler);
    return this;
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  latestResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  private emit(ev: InformerLifecycle): void {
    for (const h of this.lifecycleHandlers) h(ev);
  }

  private async run(): Promise<void> {
    const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 250, maxMs: 30_000 };
    while (!this.stopped) {
      const phase = this.resourceVersion === undefined ? 'list' : 'watch';
      try {
        if (phase === 'list') await this.relist();
        else await this.watchOnce();
        this.failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof GoneError || (error instanceof KubeApiError && error.status === 410)) {
          this.emit({ type: 'gone', resourceVersion: this.resourceVersion ?? '' });
          this.resourceVersion = undefined;
          continue;
        }
        if (this.opts.optional && phase === 'list' && error instanceof KubeApiError && error.status === 404) {
          this.markNotServed();
          this.emit({ type: 'notServed', retryInMs: this.opts.optional.retryMs });
          this.abort = new AbortController();
          await delay(this.opts.optional.retryMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
          continue;
        }
        if (this.opts.optional && phase === 'watch' && error instanceof KubeApiError && error.status === 404) {
          // The resource went away while watched (CRD deleted): list again, which finds it not served.
          this.resourceVersion = undefined;
        }
        this.failures++;
        const retryInMs = backoffDelay(this.failures, baseMs, maxMs);
        this.emit({ type: 'error', phase, error, retryInMs });
        this.abort = new AbortController();
        await delay(retryInMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      // Raw JSON: the continue token is `metadata.continue` (the generated clients rename it `_continue`).
      const page = await this.http.json<{ items: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(
        'GET',
        this.opts.path,
        {
          query: {
            labelSelector: this.opts.labelSelector,
            fieldSelector: this.opts.fieldSelector,
            limit: this.opts.pageSize ?? 500,
            continue: cont,
          },
        },
      );
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        for (const h of this.handlers.delete) h(old);
      }
    }
    this.resourceVersion = rv;
    this.emit({ type: 'listed', resourceVersion: rv, count: items.length });
    if (!this.isSynced) {
      this.isSynced = true;
      this.syncedResolve();
    }
  }

  /** Not served: nothing exists, which is a complete (synced) answer. */
  private markNotServed(): void {
    for (const [key, old] of this.cache) {
      this.cache.delete(key);
      for (const h of this.handlers.delete) h(old);
    }
    if (!this.isSynced) {
      this.isSynced = true;
      this.syncedResolve();
    }
  }

  private upsert(key: string, received: T): void {
    const obj = this.opts.transform ? this.opts.transform(received) : received;
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) for (const h of this.handlers.add) h(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      for (const h of this.handlers.update) h(obj, old);
  }

  private async watchOnce(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const rv = this.resourceVersion ?? '';
    this.emit({ type: 'watching', resourceVersion: rv });
    const timeout = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    await this.http
      .watch<T>(
        this.opts.path,
        {
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: timeout,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
        (ev: WatchEvent<T>) => this.onWatchEvent(ev),
        signal,
      )
      .catch((err: unknown) => {
        if (!this.goneDuringWatch) throw err;
      });
    if (this.goneDuringWatch) {
      this.goneDuringWatch = false;
      throw new GoneError('watch expired');
    }
  }

  private goneDuringWatch = false;

  private onWatchEvent(ev: WatchEvent<T>): void {
    const obj = ev.object;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(keyOf(obj), obj);
        break;
      case 'DELETED': {
        const key = keyOf(obj);
        const old = this.cache.get(key);
        this.cache.delete(key);
        for (const h of this.handlers.delete) h(old ?? (this.opts.transform ? this.opts.transform(obj) : obj));
        break;
      }
      case 'BOOKMARK':
        this.emit({ type: 'bookmark', resourceVersion: obj.metadata?.resourceVersion ?? '' });
        break;
      case 'ERROR': {
        const status = obj as unknown as { code?: number; message?: string };
        if (status.code === 410) {
          this.goneDuringWatch = true;
          this.abort?.abort();
          return;
        }
        throw new KubeApiError(status.code ?? 500, 'WatchError', status.message ?? 'watch error');
      }
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }
}
