import { parseEntity, type Entity } from '@lexigraph/contracts';
import type { PrismaClient } from './client';
import { DbError, toDbError } from './errors';
import { jsonBatches, parseJson, toInt, type RawRunner } from './sql';
import type { DocumentInput, UpsertResult } from './types';

/** Upper bound of one INSERT's JSON payload, in characters: big enough to amortize round trips, small enough
 * to keep a statement's memory modest. */
const BATCH_CHARS = 8_000_000;
const BATCH_ITEMS = 2_000;

/** One record of the jsonb payload; lower-case keys match the recordset column list below. */
interface WireDoc {
  eid: string;
  url: string | null;
  title: string;
  raw: string | null;
  hash: string;
  meta: Record<string, unknown>;
  entity: Entity;
}

/** Documents per page of listEntities. */
const LIST_PAGE_ROWS = 2_000;

const UPSERT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb)
    AS x(eid text, url text, title text, raw text, hash text, meta jsonb, entity jsonb)
), written AS (
  INSERT INTO "Document" ("collectionId", "externalId", url, title, "rawText", "contentHash", "fetchMeta", entity)
  SELECT $1::uuid, eid, url, title, raw, hash, COALESCE(meta, '{}'::jsonb), entity FROM input
  ON CONFLICT ("collectionId", "externalId") DO UPDATE SET
    url = EXCLUDED.url,
    title = EXCLUDED.title,
    "rawText" = EXCLUDED."rawText",
    "contentHash" = EXCLUDED."contentHash",
    "fetchMeta" = EXCLUDED."fetchMeta",
    entity = EXCLUDED.entity,
    "deletedAt" = NULL,
    tombstone = false,
    "updatedAt" = now()
  WHERE ("Document"."contentHash" IS DISTINCT FROM EXCLUDED."contentHash"
     OR "Document"."deletedAt" IS NOT NULL)
    AND ($3::boolean OR NOT "Document".tombstone)
  RETURNING (xmax = 0) AS fresh
)
SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated
FROM written`;

function validate(doc: DocumentInput, i: number): void {
  const bad = (what: string) =>
    new DbError('INVALID_ARGUMENT', `Document #${i} (${JSON.stringify(doc?.externalId)}): ${what}.`);
  if (!doc || typeof doc !== 'object') throw bad('not an object');
  if (typeof doc.externalId !== 'string' || doc.externalId === '') throw bad('externalId must be a non-empty string');
  if (typeof doc.title !== 'string') throw bad('title must be a string');
  if (typeof doc.contentHash !== 'string' || doc.contentHash === '') throw bad('contentHash must be a non-empty string');
  if (!doc.entity || typeof doc.entity !== 'object') throw bad('entity must be an object');
  // the one entity schema, whichever reader or crawl made the entity (a JSON Lines file or an upload is checked
  // before, line by line; this is the storage boundary every other reader passes)
  const parsed = parseEntity(doc.entity);
  if (!parsed.ok) throw bad(`entity: ${parsed.message}`);
}

/**
 * Documents of a collection. Deletion is soft: `remove` sets `deletedAt`, and deleted documents are invisible to
 * `listEntities`, `count` and `hashes`; upserting the same externalId again brings the document back, except a
 * document removed with a tombstone (deleted through the API), which only an explicit upsert brings back: a crawl
 * finding its page again leaves it deleted. `purgeDeleted` removes soft-deleted rows for good.
 */
export class DocumentRepository {
  constructor(private readonly prisma: PrismaClient) {}

  private get raw(): RawRunner {
    return this.prisma as unknown as RawRunner;
  }

  /**
   * Inserts or updates documents keyed by (collectionId, externalId), in one transaction.
   * A document whose stored contentHash equals the new one (and is not deleted) is left untouched and counted as
   * unchanged — its fetchMeta is not refreshed either. When the same externalId appears twice in `docs`, the last
   * one wins and it is counted once. A document deleted with a tombstone is left deleted (counted as unchanged)
   * unless `explicit` (an upload of it, not a crawl). Throws DbError NOT_FOUND when the collection does not exist.
   */
  async upsertMany(collectionId: string, docs: readonly DocumentInput[], options: { explicit?: boolean } = {}): Promise<UpsertResult> {
    const unique = new Map<string, DocumentInput>();
    docs.forEach((doc, i) => {
      validate(doc, i);
      unique.set(doc.externalId, doc);
    });
    if (unique.size === 0) return { inserted: 0, updated: 0, unchanged: 0 };

    try {
      const written = await this.prisma.$transaction(
        async (tx) => {
          const run = tx as unknown as RawRunner;
          // Skip documents whose stored hash already matches before serializing them: re-crawls are mostly
          // unchanged, and this keeps them to one small query. The upsert's WHERE still guards every write.
          const stored = await run.$queryRawUnsafe<{ eid: string; hash: string }[]>(
            `SELECT "externalId" AS eid, "contentHash" AS hash FROM "Document"
             WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL
               AND "externalId" IN (SELECT jsonb_array_elements_text($2::jsonb))`,
            collectionId,
            JSON.stringify([...unique.keys()]),
          );
          const same = new Map(stored.map((r) => [r.eid, r.hash]));
          const buried = new Set<string>();
          if (!options.explicit) {
            const rows = await run.$queryRawUnsafe<{ eid: string }[]>(
              `SELECT "externalId" AS eid FROM "Document"
               WHERE "collectionId" = $1::uuid AND tombstone AND "deletedAt" IS NOT NULL
                 AND "externalId" IN (SELECT jsonb_array_elements_text($2::jsonb))`,
              collectionId,
              JSON.stringify([...unique.keys()]),
            );
            for (const r of rows) buried.add(r.eid);
          }
          const wire: WireDoc[] = [];
          for (const d of unique.values()) {
            if (same.get(d.externalId) === d.contentHash || buried.has(d.externalId)) continue;
            wire.push({
              eid: d.externalId,
              url: d.url ?? null,
              title: d.title,
              raw: d.rawText ?? null,
              hash: d.contentHash,
              meta: (d.fetchMeta ?? {}) as Record<string, unknown>,
              entity: d.entity,
            });
          }
          let inserted = 0;
          let updated = 0;
          for (const batch of jsonBatches(wire, BATCH_CHARS, BATCH_ITEMS)) {
            const rows = await run.$queryRawUnsafe<{ inserted: unknown; updated: unknown }[]>(
              UPSERT_SQL,
              collectionId,
              batch,
              options.explicit === true,
            );
            inserted += toInt(rows[0]?.inserted);
            updated += toInt(rows[0]?.updated);
          }
          return { inserted, updated, tombstoned: buried.size };
        },
        { maxWait: 30_000, timeout: 300_000 },
      );
      const { inserted, updated, tombstoned } = written;
      return { inserted, updated, unchanged: unique.size - inserted - updated - tombstoned, ...(tombstoned ? { tombstoned } : {}) };
    } catch (err) {
      throw toDbError(err, `upsert ${unique.size} documents into collection ${collectionId}`);
    }
  }

  /**
   * The entities of the live (not deleted) documents, ordered by externalId (bytewise), read in pages of
   * LIST_PAGE_ROWS by keyset (externalId after the last one read), so no query's result, and no buffer of the
   * client that decodes it, holds the whole collection.
   */
  async listEntities(collectionId: string): Promise<Entity[]> {
    const out: Entity[] = [];
    for await (const page of this.entityPages(collectionId)) for (const e of page) out.push(e);
    return out;
  }

  /** The entities of the live documents in pages (see listEntities). */
  async *entityPages(collectionId: string, pageRows = LIST_PAGE_ROWS): AsyncGenerator<Entity[]> {
    await this.currentStatistics();
    let after: string | null = null;
    for (;;) {
      let rows: { externalId: string; entity: unknown }[];
      try {
        // two statements rather than `$2 IS NULL OR …`, so each page is a range scan of the bytewise index
        rows =
          after === null
            ? await this.raw.$queryRawUnsafe<{ externalId: string; entity: unknown }[]>(
                `SELECT "externalId", entity FROM "Document"
                 WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL
                 ORDER BY "externalId" COLLATE "C"
                 LIMIT $2::int`,
                collectionId,
                pageRows,
              )
            : await this.raw.$queryRawUnsafe<{ externalId: string; entity: unknown }[]>(
                `SELECT "externalId", entity FROM "Document"
                 WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL AND "externalId" COLLATE "C" > $2::text COLLATE "C"
                 ORDER BY "externalId" COLLATE "C"
                 LIMIT $3::int`,
                collectionId,
                after,
                pageRows,
              );
      } catch (err) {
        throw toDbError(err, `list entities of collection ${collectionId}`);
      }
      if (rows.length === 0) return;
      yield rows.map((r) => parseJson<Entity>(r.entity));
      if (rows.length < pageRows) return;
      after = (rows[rows.length - 1] as { externalId: string }).externalId;
    }
  }

  /**
   * Analyzes the documents table when more of it changed since its last analysis than autovacuum lets pass (50 rows
   * plus a tenth of the table), as after a bulk upload on a server whose autovacuum is off or behind: without
   * statistics of the bytewise id index, the planner takes a page's range for a few rows and sorts the whole range
   * (1.7 s a page at 1,000,000 documents) instead of reading the first rows of the index (3 ms). Statistics only steer
   * the planner: where the store may not analyze the table (not its owner), the pages are read all the same.
   */
  private async currentStatistics(): Promise<void> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ stale: boolean | null }[]>(
        `SELECT n_mod_since_analyze > 50 + 0.1 * n_live_tup AS stale FROM pg_stat_user_tables WHERE relid = '"Document"'::regclass`,
      );
      if (rows[0]?.stale) await this.raw.$executeRawUnsafe('ANALYZE "Document"');
    } catch {
      // no statistics view or no right to analyze: the planner keeps what it has
    }
  }

  /**
   * The documents of a collection changed at or after `since` (by `updatedAt`, which every insert, content change and
   * deletion sets), each in its current state: live ones as `upserts` (entities), deleted ones as `deletes` (ids),
   * both ordered by externalId (bytewise). Null when more than `limit` changed (the caller rebuilds instead).
   */
  async changesSince(collectionId: string, since: Date, limit: number): Promise<{ upserts: Entity[]; deletes: string[] } | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ externalId: string; deleted: boolean; entity: unknown }[]>(
        `SELECT "externalId", "deletedAt" IS NOT NULL AS deleted, CASE WHEN "deletedAt" IS NULL THEN entity END AS entity
         FROM "Document"
         WHERE "collectionId" = $1::uuid AND "updatedAt" >= $2::timestamptz
         ORDER BY "externalId" COLLATE "C"
         LIMIT $3::int`,
        collectionId,
        since.toISOString(),
        limit + 1,
      );
      if (rows.length > limit) return null;
      const upserts: Entity[] = [];
      const deletes: string[] = [];
      for (const r of rows) {
        if (r.deleted) deletes.push(r.externalId);
        else upserts.push(parseJson<Entity>(r.entity));
      }
      return { upserts, deletes };
    } catch (err) {
      throw toDbError(err, `list documents of collection ${collectionId} changed since ${since.toISOString()}`);
    }
  }

  /**
   * The time from which document changes are still to be read: the database's clock (changes are stamped with
   * their transaction's start), or the start of the oldest other transaction still open on this database, whose
   * writes a read now would not see. (Other roles' transactions count when the role may see them in
   * pg_stat_activity, as a superuser or a member of pg_read_all_stats may.)
   */
  async now(): Promise<Date> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ t: Date | string }[]>(
        `SELECT LEAST(clock_timestamp(),
           (SELECT min(xact_start) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)) AS t`,
      );
      return new Date((rows[0] as { t: Date | string }).t);
    } catch (err) {
      throw toDbError(err, 'read the database clock');
    }
  }

  /** One live document: its entity, content hash and fetch metadata, or null (missing or deleted). */
  async get(
    collectionId: string,
    externalId: string,
  ): Promise<{ entity: Entity; contentHash: string; fetchMeta: Record<string, unknown> } | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ entity: unknown; hash: string; meta: unknown }[]>(
        `SELECT entity, "contentHash" AS hash, "fetchMeta" AS meta FROM "Document"
         WHERE "collectionId" = $1::uuid AND "externalId" = $2 AND "deletedAt" IS NULL`,
        collectionId,
        externalId,
      );
      const row = rows[0];
      if (!row) return null;
      return {
        entity: parseJson<Entity>(row.entity),
        contentHash: row.hash,
        fetchMeta: parseJson<Record<string, unknown>>(row.meta) ?? {},
      };
    } catch (err) {
      throw toDbError(err, `get document "${externalId}" of collection ${collectionId}`);
    }
  }

  /** url and fetch metadata of every live document with a url (what a re-crawl revisits), by externalId. */
  async listFetchMeta(collectionId: string): Promise<{ externalId: string; url: string; fetchMeta: Record<string, unknown> }[]> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ eid: string; url: string; meta: unknown }[]>(
        `SELECT "externalId" AS eid, url, "fetchMeta" AS meta FROM "Document"
         WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL AND url IS NOT NULL
         ORDER BY "externalId" COLLATE "C"`,
        collectionId,
      );
      return rows.map((r) => ({ externalId: r.eid, url: r.url, fetchMeta: parseJson<Record<string, unknown>>(r.meta) ?? {} }));
    } catch (err) {
      throw toDbError(err, `list fetch metadata of collection ${collectionId}`);
    }
  }

  /** Number of live (not deleted) documents. */
  async count(collectionId: string): Promise<number> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ n: unknown }[]>(
        `SELECT count(*)::int AS n FROM "Document" WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL`,
        collectionId,
      );
      return toInt(rows[0]?.n);
    } catch (err) {
      throw toDbError(err, `count documents of collection ${collectionId}`);
    }
  }

  /** externalId -> contentHash of the live documents (what a crawler compares against before re-fetching). */
  async hashes(collectionId: string): Promise<Map<string, string>> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ eid: string; hash: string }[]>(
        `SELECT "externalId" AS eid, "contentHash" AS hash FROM "Document"
         WHERE "collectionId" = $1::uuid AND "deletedAt" IS NULL`,
        collectionId,
      );
      return new Map(rows.map((r) => [r.eid, r.hash]));
    } catch (err) {
      throw toDbError(err, `read content hashes of collection ${collectionId}`);
    }
  }

  /**
   * Soft-deletes one document; with `tombstone` (a deletion asked for through the API) a later crawl does not bring
   * it back. Returns true when a live document was deleted, false when none was (idempotent).
   */
  async remove(collectionId: string, externalId: string, options: { tombstone?: boolean } = {}): Promise<boolean> {
    try {
      const n = await this.raw.$executeRawUnsafe(
        `UPDATE "Document" SET "deletedAt" = now(), "updatedAt" = now(), tombstone = $3::boolean
         WHERE "collectionId" = $1::uuid AND "externalId" = $2 AND "deletedAt" IS NULL`,
        collectionId,
        externalId,
        options.tombstone === true,
      );
      return n > 0;
    } catch (err) {
      throw toDbError(err, `remove document "${externalId}" of collection ${collectionId}`);
    }
  }

  /** Hard-deletes the soft-deleted documents of a collection; returns how many rows went. */
  async purgeDeleted(collectionId: string): Promise<number> {
    try {
      return await this.raw.$executeRawUnsafe(
        `DELETE FROM "Document" WHERE "collectionId" = $1::uuid AND "deletedAt" IS NOT NULL`,
        collectionId,
      );
    } catch (err) {
      throw toDbError(err, `purge deleted documents of collection ${collectionId}`);
    }
  }
}
