import type { PrismaClient } from './client';
import { DbError, isUniqueViolation, toDbError } from './errors';
import { fromBase64, jsonBatches, parseJson, toInt, toJsonParam, type RawRunner } from './sql';
import type { IndexStatusName, IndexTables, IndexVersionInfo, PublishedIndex } from './types';

/** Rows per INSERT of the index tables (one jsonb parameter each). */
const TABLE_BATCH_ROWS = 20_000;
const TABLE_BATCH_CHARS = 8_000_000;
/** Attempts of createVersion when a concurrent caller took the same number. */
const CREATE_ATTEMPTS = 20;

interface VersionRow {
  id: string;
  collectionId: string;
  version: number;
  status: IndexStatusName;
  stats: unknown;
  error: string | null;
  createdAt: Date | string;
  publishedAt: Date | string | null;
}

const VERSION_COLUMNS = `id::text AS id, "collectionId"::text AS "collectionId", version, status::text AS status,
  stats, error, "createdAt", "publishedAt"`;

function toInfo(row: VersionRow): IndexVersionInfo {
  return {
    id: row.id,
    collectionId: row.collectionId,
    version: toInt(row.version),
    status: row.status,
    stats: parseJson<Record<string, unknown>>(row.stats) ?? {},
    error: row.error,
    createdAt: new Date(row.createdAt),
    publishedAt: row.publishedAt === null ? null : new Date(row.publishedAt),
  };
}

function checkFinite(table: string, rows: readonly Record<string, unknown>[], fields: readonly string[]): void {
  rows.forEach((row, i) => {
    if (typeof row.token !== 'string' || row.token === '') {
      throw new DbError('INVALID_ARGUMENT', `${table} row #${i}: token must be a non-empty string.`);
    }
    for (const f of fields) {
      const v = row[f];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new DbError('INVALID_ARGUMENT', `${table} row #${i} (${row.token}): ${f} must be a finite number.`);
      }
    }
  });
}

/**
 * Index versions of a collection: building -> published (-> superseded by the next publish) or failed.
 * Version numbers start at 1 and increase by one per collection.
 */
export class IndexRepository {
  constructor(private readonly prisma: PrismaClient) {}

  private get raw(): RawRunner {
    return this.prisma as unknown as RawRunner;
  }

  /**
   * Opens a new version in status `building`, numbered one above the highest existing version of the collection.
   * Concurrent callers get distinct numbers (a lost race on the unique (collection, version) key is retried).
   */
  async createVersion(collectionId: string): Promise<{ id: string; version: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.raw.$queryRawUnsafe<{ id: string; version: unknown }[]>(
          `INSERT INTO "IndexVersion" ("collectionId", version, status)
           SELECT $1::uuid, COALESCE(MAX(version), 0) + 1, 'building'
           FROM "IndexVersion" WHERE "collectionId" = $1::uuid
           RETURNING id::text AS id, version`,
          collectionId,
        );
        const row = rows[0];
        if (!row) throw new DbError('INTERNAL', `create index version of collection ${collectionId}: no row returned`);
        return { id: row.id, version: toInt(row.version) };
      } catch (err) {
        if (isUniqueViolation(err) && attempt < CREATE_ATTEMPTS) {
          // Another writer took this number between our MAX() and INSERT; back off a little and retry.
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        throw toDbError(err, `create index version of collection ${collectionId}`);
      }
    }
  }

  /**
   * Publishes a `building` version in one transaction: writes its SQL tables, stores `data` and `stats`, sets it
   * `published` (publishedAt = now) and marks the previously published version of the collection `superseded`.
   * Throws NOT_FOUND for an unknown id, INVALID_STATE when the version is not building, INVALID_ARGUMENT for
   * a row with an empty token or a non-finite number, CONFLICT for a duplicate table key.
   */
  async publish(
    versionId: string,
    data: Uint8Array,
    stats: Record<string, unknown>,
    tables: IndexTables,
  ): Promise<IndexVersionInfo> {
    checkFinite('lexicon', tables.lexicon as unknown as Record<string, unknown>[], ['count', 'df']);
    checkFinite('xembeddings', tables.xembeddings as unknown as Record<string, unknown>[], ['pmi', 'nab']);
    checkFinite('categories', tables.categories as unknown as Record<string, unknown>[], ['count']);
    const lexicon = jsonBatches(tables.lexicon, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);
    const xembeddings = jsonBatches(tables.xembeddings, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);
    const categories = jsonBatches(tables.categories, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);

    try {
      return await this.prisma.$transaction(
        async (tx) => {
          const run = tx as unknown as RawRunner;
          const current = await run.$queryRawUnsafe<{ collectionId: string; status: string }[]>(
            `SELECT "collectionId"::text AS "collectionId", status::text AS status
             FROM "IndexVersion" WHERE id = $1::uuid FOR UPDATE`,
            versionId,
          );
          const version = current[0];
          if (!version) throw new DbError('NOT_FOUND', `Index version ${versionId} does not exist.`);
          if (version.status !== 'building') {
            throw new DbError(
              'INVALID_STATE',
              `Index version ${versionId} is ${version.status}; only a building version can be published.`,
            );
          }
          // each table's rows as JSON batches, unpacked by jsonb_to_recordset: one statement per batch
          const inserts: Array<[string, readonly string[]]> = [
            [
              `INSERT INTO "LexiconEntry" ("versionId", token, display, count, df)
               SELECT $1::uuid, token, display, count, df
               FROM jsonb_to_recordset($2::jsonb) AS x(token text, display text, count float8, df int)`,
              lexicon,
            ],
            [
              `INSERT INTO "XEmbedding" ("versionId", token, related, pmi, nab)
               SELECT $1::uuid, token, related, pmi, nab
               FROM jsonb_to_recordset($2::jsonb) AS x(token text, related text, pmi float8, nab float8)`,
              xembeddings,
            ],
            [
              `INSERT INTO "TokenCategory" ("versionId", token, category, count)
               SELECT $1::uuid, token, category, count
               FROM jsonb_to_recordset($2::jsonb) AS x(token text, category text, count float8)`,
              categories,
            ],
          ];
          for (const [sql, batches] of inserts) {
            for (const batch of batches) await run.$executeRawUnsafe(sql, versionId, batch);
          }
          await run.$executeRawUnsafe(
            `UPDATE "IndexVersion" SET status = 'superseded'
             WHERE "collectionId" = $1::uuid AND status = 'published' AND id <> $2::uuid`,
            version.collectionId,
            versionId,
          );
          // Bytes travel as base64 text: driver adapters disagree on binary parameters (PGlite rejects what the
          // query compiler hands it), while decode() is plain SQL on every backend.
          await run.$executeRawUnsafe(
            `UPDATE "IndexVersion"
             SET data = decode($2, 'base64'), stats = $3::jsonb, status = 'published', "publishedAt" = now(), error = NULL
             WHERE id = $1::uuid`,
            versionId,
            Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
            toJsonParam(stats),
          );
          const rows = await run.$queryRawUnsafe<VersionRow[]>(
            `SELECT ${VERSION_COLUMNS} FROM "IndexVersion" WHERE id = $1::uuid`,
            versionId,
          );
          return toInfo(rows[0] as VersionRow);
        },
        { maxWait: 30_000, timeout: 600_000 },
      );
    } catch (err) {
      throw toDbError(err, `publish index version ${versionId}`);
    }
  }

  /**
   * Marks a building version failed, keeping `reason` in its `error` column. Failing an already failed version
   * is a no-op; a published or superseded one is refused (INVALID_STATE); an unknown id is NOT_FOUND.
   */
  async fail(versionId: string, reason: string): Promise<void> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ status: string }[]>(
        `WITH target AS (SELECT id, status FROM "IndexVersion" WHERE id = $1::uuid),
         changed AS (
           UPDATE "IndexVersion" v SET status = 'failed', error = $2
           FROM target WHERE v.id = target.id AND target.status = 'building'
           RETURNING v.id
         )
         SELECT target.status::text AS status FROM target`,
        versionId,
        reason,
      );
      const before = rows[0]?.status;
      if (before === undefined) throw new DbError('NOT_FOUND', `Index version ${versionId} does not exist.`);
      if (before !== 'building' && before !== 'failed') {
        throw new DbError('INVALID_STATE', `Index version ${versionId} is ${before}; it can no longer fail.`);
      }
    } catch (err) {
      throw toDbError(err, `fail index version ${versionId}`);
    }
  }

  /** The published version of a collection with its data, or null when none has been published yet. */
  async latestPublished(collectionId: string): Promise<PublishedIndex | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<
        { id: string; version: unknown; data: string | null; stats: unknown; publishedAt: Date | string | null }[]
      >(
        `SELECT id::text AS id, version, encode(data, 'base64') AS data, stats, "publishedAt"
         FROM "IndexVersion" WHERE "collectionId" = $1::uuid AND status = 'published'
         ORDER BY version DESC LIMIT 1`,
        collectionId,
      );
      const row = rows[0];
      if (!row) return null;
      return {
        id: row.id,
        version: toInt(row.version),
        data: fromBase64(row.data),
        stats: parseJson<Record<string, unknown>>(row.stats) ?? {},
        publishedAt: row.publishedAt === null ? null : new Date(row.publishedAt),
      };
    } catch (err) {
      throw toDbError(err, `read the published index of collection ${collectionId}`);
    }
  }

  /** Highest version number of the collection (any status), 0 when none. */
  async latestVersionNumber(collectionId: string): Promise<number> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ n: unknown }[]>(
        `SELECT COALESCE(MAX(version), 0)::int AS n FROM "IndexVersion" WHERE "collectionId" = $1::uuid`,
        collectionId,
      );
      return toInt(rows[0]?.n);
    } catch (err) {
      throw toDbError(err, `read the latest version number of collection ${collectionId}`);
    }
  }

  /** One version without its data, or null. */
  async get(versionId: string): Promise<IndexVersionInfo | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<VersionRow[]>(
        `SELECT ${VERSION_COLUMNS} FROM "IndexVersion" WHERE id = $1::uuid`,
        versionId,
      );
      return rows[0] ? toInfo(rows[0]) : null;
    } catch (err) {
      throw toDbError(err, `get index version ${versionId}`);
    }
  }

  /** Every version of a collection without data, newest first. */
  async list(collectionId: string): Promise<IndexVersionInfo[]> {
    try {
      const rows = await this.raw.$queryRawUnsafe<VersionRow[]>(
        `SELECT ${VERSION_COLUMNS} FROM "IndexVersion" WHERE "collectionId" = $1::uuid ORDER BY version DESC`,
        collectionId,
      );
      return rows.map(toInfo);
    } catch (err) {
      throw toDbError(err, `list index versions of collection ${collectionId}`);
    }
  }
}
