import type { InformerLifecycle } from '@kmm-hub/kube';
import type { PinoLogger } from 'nestjs-pino';

/** Every watch lifecycle event becomes one log line: failures warn (they retry), the rest are debug detail. */
export function logInformerLifecycle(logger: PinoLogger, cluster: 'hub' | 'spoke', kind: string) {
  return (ev: InformerLifecycle): void => {
    switch (ev.type) {
      case 'error':
        logger.warn(
          { cluster, kind, phase: ev.phase, retryInMs: ev.retryInMs, err: ev.error },
          'watch failed, retrying',
        );
        break;
      case 'gone':
        logger.info({ cluster, kind, resourceVersion: ev.resourceVersion }, 'watch expired, re-listing');
        break;
      case 'listed':
        logger.debug({ cluster, kind, count: ev.count, resourceVersion: ev.resourceVersion }, 'listed');
        break;
      case 'watching':
      case 'bookmark':
        logger.trace({ cluster, kind, event: ev.type, resourceVersion: ev.resourceVersion }, 'watch progress');
        break;
    }
  };
}
