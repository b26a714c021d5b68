import type { PlannedEvent } from '@kmm-hub/planner';
import type { ImageAttemptFailed, ImageSettled } from '../images/image-pipeline.js';

/** The Event every MCM waiting for a settled image gets: failed, made by someone else or replaced, or ready. */
export function imageSettledEvent(settled: ImageSettled): PlannedEvent {
  if (settled.state === 'failed') {
    return {
      type: 'Warning',
      reason: 'ImageJobFailed',
      message: `${settled.image} for kernel ${settled.kernel} failed after ${settled.attempts} attempts: ${settled.lastError ?? ''}`,
    };
  }
  if (settled.note !== undefined) {
    // The image is not simply the job's output: kept as someone else made it, or the hub's own replaced.
    return {
      type: 'Warning',
      reason: settled.use === 'replaced' ? 'ImageReplaced' : 'ImageUsedAsIs',
      message: `kernel ${settled.kernel}: ${settled.note}`,
    };
  }
  return {
    type: 'Normal',
    reason: 'ImageReady',
    message: `${settled.image} for kernel ${settled.kernel} pushed${settled.digest ? ` as ${settled.digest}` : ''}`,
  };
}

/** The Warning for an attempt that failed while another follows. */
export function imageAttemptFailedEvent(failed: ImageAttemptFailed): PlannedEvent {
  return {
    type: 'Warning',
    reason: 'ImageJobAttemptFailed',
    message: `${failed.image} for kernel ${failed.kernel}, attempt ${failed.attempts}: ${failed.error}`,
  };
}
