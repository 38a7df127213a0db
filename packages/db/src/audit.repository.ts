import type { Prisma, PrismaClient } from './client';
import { toDbError } from './errors';

/** One entry of the audit trail. */
export interface AuditRecord {
  id: number;
  at: Date;
  /** A key id, `master`, `open` (authentication off) or `cli`. */
  actor: string;
  /** A dotted verb, e.g. `collection.create`, `document.delete`, `key.revoke`. */
  action: string;
  collection: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Pick<AuditRecord, 'actor' | 'action'> & Partial<Pick<AuditRecord, 'collection' | 'target' | 'details'>>;

export interface AuditPageOptions {
  /** Entries per page (the caller bounds it). */
  limit: number;
  /** Only entries older than this id (the previous page's `next`). */
  before?: number;
  /** Only entries of this collection. */
  collection?: string;
  /**
   * Only entries whose collection is one of these names, or, with `includeGlobal`, that have none. Absent = every
   * entry. The caller resolves a key's patterns to names first.
   */
  collections?: string[];
  includeGlobal?: boolean;
}

/** The audit trail: appended to by the services, read newest first in pages. */
export class AuditRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async record(event: NewAuditEvent): Promise<void> {
    try {
      await this.prisma.auditEvent.create({
        data: {
          actor: event.actor,
          action: event.action,
          collection: event.collection ?? null,
          target: event.target ?? null,
          details: (event.details ?? {}) as Prisma.InputJsonObject,
        },
      });
    } catch (err) {
      throw toDbError(err, `record audit event ${event.action}`);
    }
  }

  /** A page of entries, newest first; `next` is the cursor of the following page, null on the last one. */
  async page(opts: AuditPageOptions): Promise<{ events: AuditRecord[]; next: number | null }> {
    const where: Prisma.AuditEventWhereInput = {};
    if (opts.before !== undefined) where.id = { lt: BigInt(opts.before) };
    if (opts.collection !== undefined) where.collection = opts.collection;
    if (opts.collections !== undefined) {
      const allowed: Prisma.AuditEventWhereInput[] = [{ collection: { in: opts.collections } }];
      if (opts.includeGlobal) allowed.push({ collection: null });
      where.OR = allowed;
    }
    try {
      const rows = await this.prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: opts.limit + 1 });
      const events = rows.slice(0, opts.limit).map((r) => ({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        action: r.action,
        collection: r.collection,
        target: r.target,
        details: (r.details ?? {}) as Record<string, unknown>,
      }));
      const last = events[events.length - 1];
      return { events, next: rows.length > opts.limit && last ? last.id : null };
    } catch (err) {
      throw toDbError(err, 'read the audit trail');
    }
  }
}
