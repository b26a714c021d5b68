import { readFileSync } from 'node:fs';

export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  stageTimestamp: string;
  stage: string;
}

/** The audit events an API server has written so far, optionally only those of one user. */
export function readAuditLog(path: string, filter: { username?: string } = {}): AuditEvent[] {
  const text = readFileSync(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => filter.username === undefined || e.user.username === filter.username);
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/**
 * Writes that clients made after `since` (ISO time), as the API server audited them: the API server's own
 * bookkeeping (system:apiserver) and Lease renewals (leader election) are left out, since neither is the work of
 * the component under test.
 */
export function clientWritesSince(path: string, since: string): AuditEvent[] {
  return readAuditLog(path).filter(
    (e) =>
      e.stage === 'ResponseComplete' &&
      e.stageTimestamp > since &&
      WRITE_VERBS.has(e.verb) &&
      e.user.username !== 'system:apiserver' &&
      e.objectRef?.resource !== 'leases',
  );
}
