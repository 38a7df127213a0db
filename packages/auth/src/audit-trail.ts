import type { AuditRepository } from '@lexigraph/db';
import type { Principal } from './principal';

/** What the audit trail records of a change: the verb, the collection, what it touched and a few facts. */
export interface AuditEntry {
  action: string;
  collection?: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Records changes made by a principal (its `actor`: key id, `master` or `open`). */
export async function recordAudit(audit: AuditRepository, principal: Principal, entry: AuditEntry): Promise<void> {
  await audit.record({ actor: principal.actor, ...entry });
}
