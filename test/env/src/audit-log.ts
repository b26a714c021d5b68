import { readFileSync } from 'node:fs';

export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
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
