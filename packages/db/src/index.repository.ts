import type { PrismaClient } from './client';
import { DbError, isUniqueViolation, toDbError } from './errors';
import { jsonBatches, parseJson, toInt, toJsonParam, type DirectQuery, type DirectTransaction, type RawRunner } from './sql';
import type { IndexStatusName, IndexTables, IndexVersionInfo, PublishedIndex, VersionChain, VersionRef } from './types';

/** Rows per INSERT of the index tables (one jsonb parameter each). */
const TABLE_BATCH_ROWS = 20_000;
const TABLE_BATCH_CHARS = 8_000_000;
/** Attempts of createVersion when a concurrent caller took the same number. */
const CREATE_ATTEMPTS = 20;
/**
 * Default size of one stored chunk of a serialized index: 1 MiB, far below PostgreSQL's 1 GB bytea limit. Prisma's
 * client keeps the arguments of its last 100 debug calls (whether or not debugging is on), which for a raw statement
 * include the statement's parameters and two strings made of them: with 8 MiB chunks, publishing a 222 MB snapshot
 * left 549 MB of heap held after the publish and a peak RSS of 1,108 MB; with 1 MiB chunks 178 MB and 727 MB, in
 * the same time (8.7 s against 9.3 s; 512 KiB: 95 MB held, 10.2 s).
 */
export const DEFAULT_INDEX_CHUNK_BYTES = 1024 * 1024;
/** Largest accepted chunk size: a chunk travels as base64 text of 4/3 its size, and bytea stops at 1 GB. */
const MAX_INDEX_CHUNK_BYTES = 256 * 1024 * 1024;
/** The tables a removed version frees rows of; vacuumed after a prune so the next publish reuses the space. */
const VERSION_TABLES = ['"IndexChunk"', '"LexiconEntry"', '"XEmbedding"', '"TokenCategory"'];

export interface IndexRepositoryOptions {
  /**
   * Bytes per stored chunk of a serialized index (default 1 MiB, range 1 byte .. 256 MiB). Only writes use it:
   * readers concatenate whatever chunks a version has, so changing it never affects stored versions.
   */
  chunkBytes?: number;
  /**
   * Transactions on the driver's own connection (see DirectTransaction): when given, a publish writes its chunks
   * through it, in a transaction of their own before the one that publishes the version (a building version's
   * chunks are read by nobody); else through Prisma, inside that transaction.
   */
  direct?: DirectTransaction;
  /**
   * Connections a publish writes its chunks on at once through `direct` (default 1; a PostgreSQL store uses 2): the
   * server decodes, compresses and logs one chunk per connection, so two connections use a second core. On a
   * PostgreSQL 15 of 2 cores, 300 chunks of a real index took 6.9–7.5 ms each on two connections against 9.2–10.4
   * ms on one.
   */
  writers?: number;
}

interface VersionRow {
  id: string;
  collectionId: string;
  version: number;
  status: IndexStatusName;
  stats: unknown;
  dataBytes: unknown;
  error: string | null;
  createdAt: Date | string;
  publishedAt: Date | string | null;
  kind: string;
  hasBridge: boolean;
  parentVersion: unknown;
  baseVersion: unknown;
  docsAsOf: Date | string | null;
}

const VERSION_COLUMNS = `id::text AS id, "collectionId"::text AS "collectionId", version, status::text AS status,
  stats, "dataBytes", error, "createdAt", "publishedAt", kind, "parentVersion", "baseVersion", "docsAsOf",
  bridge IS NOT NULL AS "hasBridge"`;

const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toInt(v));

function toInfo(row: VersionRow): IndexVersionInfo {
  return {
    id: row.id,
    collectionId: row.collectionId,
    version: toInt(row.version),
    status: row.status,
    stats: parseJson<Record<string, unknown>>(row.stats) ?? {},
    dataBytes: row.dataBytes === null || row.dataBytes === undefined ? null : toInt(row.dataBytes),
    error: row.error,
    createdAt: new Date(row.createdAt),
    publishedAt: row.publishedAt === null ? null : new Date(row.publishedAt),
    kind: row.kind === 'delta' ? 'delta' : 'full',
    parentVersion: intOrNull(row.parentVersion),
    baseVersion: intOrNull(row.baseVersion),
    docsAsOf: row.docsAsOf === null || row.docsAsOf === undefined ? null : new Date(row.docsAsOf),
    hasBridge: row.hasBridge === true,
  };
}

/** The row of a version locked for its publish, which must be building (NOT_FOUND, INVALID_STATE). */
function checkBuilding<T extends { status: unknown }>(versionId: string, rows: readonly T[]): T {
  const version = rows[0];
  if (!version) throw new DbError('NOT_FOUND', `Index version ${versionId} does not exist.`);
  if (version.status !== 'building') {
    throw new DbError('INVALID_STATE', `Index version ${versionId} is ${String(version.status)}; only a building version can be published.`);
  }
  return version;
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
 * Version numbers start at 1 and increase by one per collection. A version's serialized index is stored as
 * `IndexChunk` rows of `chunkBytes` each (the last one shorter), written one per statement and read back one per
 * query into a single preallocated buffer, so no value near PostgreSQL's 1 GB bytea limit and no parameter of the
 * whole index's size is ever built.
 */
export class IndexRepository {
  private readonly chunkBytes: number;
  private readonly direct: DirectTransaction | undefined;
  private readonly writers: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: IndexRepositoryOptions = {},
  ) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_INDEX_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_INDEX_CHUNK_BYTES) {
      throw new DbError('INVALID_ARGUMENT', `chunkBytes must be an integer from 1 to ${MAX_INDEX_CHUNK_BYTES}, got ${chunkBytes}.`);
    }
    this.chunkBytes = chunkBytes;
    this.direct = options.direct;
    this.writers = options.writers ?? 1;
    if (!Number.isInteger(this.writers) || this.writers < 1) throw new DbError('INVALID_ARGUMENT', `writers must be a positive integer, got ${this.writers}.`);
  }

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
   * Publishes a `building` version in one transaction: writes its SQL tables (a delta writes none: they mirror full
   * snapshots), stores `data` as chunks and `stats` with its place in its chain (`chain`, default a full snapshot
   * read now), sets it `published` and marks the previously published version of the
   * collection `superseded`. Older versions stay until `prune` removes them. Its publishedAt is the clock when the
   * switch is written, at the end of the transaction (not its start, before chunks that take seconds to store),
   * so it is when readers can first see it. With a DirectTransaction (see IndexRepositoryOptions.direct) the chunks
   * are committed just before that transaction, while the version is still building.
   * Throws NOT_FOUND for an unknown id, INVALID_STATE when the version is not building, INVALID_ARGUMENT for
   * a row with an empty token or a non-finite number, CONFLICT for a duplicate table key.
   */
  async publish(
    versionId: string,
    data: Uint8Array | readonly Uint8Array[],
    stats: Record<string, unknown>,
    tables: IndexTables | null,
    chain?: VersionChain,
  ): Promise<IndexVersionInfo> {
    if (chain && chain.kind === 'delta' && (chain.parentVersion === null || chain.baseVersion === null)) {
      throw new DbError('INVALID_ARGUMENT', `A delta version needs its parent and base versions (version ${versionId}).`);
    }
    tables ??= { lexicon: [], xembeddings: [], categories: [] };
    checkFinite('lexicon', tables.lexicon as unknown as Record<string, unknown>[], ['count', 'df']);
    checkFinite('xembeddings', tables.xembeddings as unknown as Record<string, unknown>[], ['pmi', 'nab']);
    checkFinite('categories', tables.categories as unknown as Record<string, unknown>[], ['count']);
    const lexicon = jsonBatches(tables.lexicon, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);
    const xembeddings = jsonBatches(tables.xembeddings, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);
    const categories = jsonBatches(tables.categories, TABLE_BATCH_CHARS, TABLE_BATCH_ROWS);
    const direct = this.direct;
    if (direct) {
      try {
        // committed before the chunks are written: the row lock and the deleted keys would hold up the writers'
        // foreign-key checks and inserts on their own connections until the end of this transaction
        await direct(async (query) => {
          const rows = await query(`SELECT status::text AS status FROM "IndexVersion" WHERE id = $1::uuid FOR UPDATE`, [versionId]);
          checkBuilding(versionId, rows as Array<{ status: unknown }>);
          // a publish tried again after a failed transaction finds none; one that failed after this one committed, its own
          await query(`DELETE FROM "IndexChunk" WHERE "versionId" = $1::uuid`, [versionId]);
        });
        await this.writeChunksDirect(direct, versionId, data);
      } catch (err) {
        await this.dropUnpublishedChunks(direct, versionId);
        throw toDbError(err, `publish index version ${versionId}`);
      }
    }

    try {
      return await this.prisma.$transaction(
        async (tx) => {
          const run = tx as unknown as RawRunner;
          const current = await run.$queryRawUnsafe<{ collectionId: string; status: string }[]>(
            `SELECT "collectionId"::text AS "collectionId", status::text AS status
             FROM "IndexVersion" WHERE id = $1::uuid FOR UPDATE`,
            versionId,
          );
          const version = checkBuilding(versionId, current);
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
          if (!direct) await this.writeChunks((sql, params) => run.$executeRawUnsafe(sql, ...params), versionId, chunkSource(data, this.chunkBytes));
          await run.$executeRawUnsafe(
            `UPDATE "IndexVersion"
             SET "dataBytes" = $2::bigint, stats = $3::jsonb, status = 'published', "publishedAt" = clock_timestamp(), error = NULL,
                 kind = $4, "parentVersion" = $5::int, "baseVersion" = COALESCE($6::int, version),
                 "docsAsOf" = COALESCE($7::timestamptz, now()), bridge = decode($8, 'base64')
             WHERE id = $1::uuid`,
            versionId,
            byteLengthOf(data),
            toJsonParam(stats),
            chain?.kind ?? 'full',
            chain?.parentVersion ?? null,
            chain?.baseVersion ?? null,
            chain?.docsAsOf.toISOString() ?? null,
            chain?.bridge ? Buffer.from(chain.bridge.buffer, chain.bridge.byteOffset, chain.bridge.byteLength).toString('base64') : null,
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
      if (direct) await this.dropUnpublishedChunks(direct, versionId);
      throw toDbError(err, `publish index version ${versionId}`);
    }
  }

  /**
   * Removes the chunks committed ahead of a failed publish, unless it did take place (a reply lost after commit);
   * best effort (what stays goes with the failed version).
   */
  private async dropUnpublishedChunks(direct: DirectTransaction, versionId: string): Promise<void> {
    await direct((query) =>
      query(
        `DELETE FROM "IndexChunk" WHERE "versionId" = $1::uuid
         AND NOT EXISTS (SELECT 1 FROM "IndexVersion" WHERE id = $1::uuid AND status IN ('published', 'superseded'))`,
        [versionId],
      ),
    ).catch(() => undefined);
  }

  /**
   * writeChunks on `writers` connections of `direct` at once, each in a transaction of its own, taking the chunks in
   * turn; a writer that fails stops the others at their next chunk, and the first failure is thrown once all ended.
   */
  private async writeChunksDirect(direct: DirectTransaction, versionId: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const chunks = chunkSource(data, this.chunkBytes);
    let failed = false;
    const source: ChunkSource = { next: () => (failed ? null : chunks.next()) };
    const writer = (query: DirectQuery) => this.writeChunks(query, versionId, source);
    const ends = await Promise.allSettled(
      Array.from({ length: this.writers }, () =>
        direct(writer).catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      ),
    );
    const failure = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failure) throw failure.reason;
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

  /**
   * Writes the chunks `source` gives (see chunkSource: of `chunkBytes`, without joining the parts of an index first,
   * a chunk that spans parts copied from them alone), one INSERT each, through `exec` (Prisma inside the publish's
   * transaction, or a DirectTransaction). Bytes travel as base64 text: driver adapters disagree on binary
   * parameters (PGlite rejects what the query compiler hands it; node-postgres sends a Buffer as hex text, which took
   * twice base64's time), while decode() is plain SQL everywhere.
   */
  private async writeChunks(
    exec: (sql: string, params: readonly unknown[]) => Promise<unknown>,
    versionId: string,
    source: ChunkSource,
  ): Promise<void> {
    for (let c = source.next(); c; c = source.next()) {
      const base64 = Buffer.from(c.piece.buffer, c.piece.byteOffset, c.piece.byteLength).toString('base64');
      await exec(`INSERT INTO "IndexChunk" ("versionId", seq, data) VALUES ($1::uuid, $2::int, decode($3, 'base64'))`, [versionId, c.seq, base64]);
    }
  }


  /**
   * The serialized index of a version, byte for byte as published: its chunks read one query each, in `seq` order,
   * into one buffer of `dataBytes` allocated up front. Throws NOT_FOUND for an unknown id or a version that holds
   * no data (building or failed), INTERNAL when its chunks do not add up to its length.
   */
  async readData(versionId: string): Promise<Uint8Array> {
    let total: number;
    try {
      const rows = await this.raw.$queryRawUnsafe<{ dataBytes: unknown }[]>(
        `SELECT "dataBytes" FROM "IndexVersion" WHERE id = $1::uuid`,
        versionId,
      );
      const row = rows[0];
      if (!row) throw new DbError('NOT_FOUND', `Index version ${versionId} does not exist.`);
      if (row.dataBytes === null || row.dataBytes === undefined) {
        throw new DbError('NOT_FOUND', `Index version ${versionId} holds no data; only a published (or superseded) version does.`);
      }
      total = toInt(row.dataBytes);
    } catch (err) {
      throw toDbError(err, `read index version ${versionId}`);
    }
    const out = new Uint8Array(total);
    const view = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    let offset = 0;
    for (let seq = 0; offset < total; seq++) {
      let chunk: { data: string; bytes: unknown } | undefined;
      try {
        const rows = await this.raw.$queryRawUnsafe<{ data: string; bytes: unknown }[]>(
          `SELECT encode(data, 'base64') AS data, octet_length(data) AS bytes
           FROM "IndexChunk" WHERE "versionId" = $1::uuid AND seq = $2::int`,
          versionId,
          seq,
        );
        chunk = rows[0];
      } catch (err) {
        throw toDbError(err, `read chunk ${seq} of index version ${versionId}`);
      }
      const bytes = chunk ? toInt(chunk.bytes) : 0;
      // encode() wraps lines every 76 characters; Buffer's base64 decoder skips the newlines.
      if (!chunk || bytes === 0 || offset + bytes > total || view.write(chunk.data, offset, 'base64') !== bytes) {
        throw new DbError(
          'INTERNAL',
          `Index version ${versionId} is damaged: chunk ${seq} ${chunk ? `holds ${bytes} bytes at offset ${offset} of ${total}` : 'is missing'}.`,
        );
      }
      offset += bytes;
    }
    return out;
  }

  /**
   * The published version of a collection with its own data, or null when none has been published yet. For a
   * delta, `data` is the delta alone: `chainData` gives every segment needed to open it.
   */
  async latestPublished(collectionId: string): Promise<PublishedIndex | null> {
    const info = await this.publishedInfo(collectionId);
    if (!info) return null;
    return {
      id: info.id,
      version: info.version,
      data: await this.readData(info.id),
      stats: info.stats,
      publishedAt: info.publishedAt,
      kind: info.kind,
      parentVersion: info.parentVersion,
      baseVersion: info.baseVersion,
    };
  }

  /** The data of every version of the chain of `version`, full snapshot first (see `chain`). */
  async chainData(collectionId: string, version: number): Promise<Array<{ version: number; data: Uint8Array }>> {
    const out: Array<{ version: number; data: Uint8Array }> = [];
    for (const v of await this.chain(collectionId, version)) out.push({ version: v.version, data: await this.readData(v.id) });
    return out;
  }

  /**
   * Removes the versions of a collection that retention no longer keeps, with their chunks and table rows (they
   * cascade): every superseded version but the `retain - 1` newest (so `retain` versions remain, counting the
   * published one) and the versions their chains need (from each one's full snapshot on), and every failed
   * version older than the oldest one kept. Building versions are left alone
   * (a build may be running), and so is everything while nothing is published. Afterwards the version tables are
   * vacuumed, so the next publish reuses the freed space instead of growing the files.
   * `retain` is an integer of at least 1. Resolves to the removed versions, oldest first.
   */
  async prune(collectionId: string, retain: number): Promise<VersionRef[]> {
    if (!Number.isInteger(retain) || retain < 1) {
      throw new DbError('INVALID_ARGUMENT', `retain must be a positive integer (versions to keep), got ${retain}.`);
    }
    try {
      const rows = await this.raw.$queryRawUnsafe<{ id: string; collectionId: string; version: unknown; status: IndexStatusName }[]>(
        `WITH newest AS (
           (SELECT id, version, "baseVersion" FROM "IndexVersion" WHERE "collectionId" = $1::uuid AND status = 'published')
           UNION ALL
           (SELECT id, version, "baseVersion" FROM "IndexVersion" WHERE "collectionId" = $1::uuid AND status = 'superseded'
            ORDER BY version DESC LIMIT $2::int - 1)
         ),
         -- a kept version needs its whole chain: the published versions from its base to it
         kept AS (
           SELECT v.id, v.version FROM "IndexVersion" v
           WHERE v."collectionId" = $1::uuid AND v.status IN ('published', 'superseded')
             AND EXISTS (SELECT 1 FROM newest n WHERE v.version BETWEEN COALESCE(n."baseVersion", n.version) AND n.version)
         )
         DELETE FROM "IndexVersion" v
         WHERE v."collectionId" = $1::uuid
           AND ((v.status = 'superseded' AND v.id NOT IN (SELECT id FROM kept))
             OR (v.status = 'failed' AND v.version < (SELECT COALESCE(MIN(version), 0) FROM kept)))
         RETURNING v.id::text AS id, v."collectionId"::text AS "collectionId", v.version, v.status::text AS status`,
        collectionId,
        retain,
      );
      const removed = rows
        .map((r) => ({ id: r.id, collectionId: r.collectionId, version: toInt(r.version), status: r.status }))
        .sort((a, b) => a.version - b.version);
      if (removed.length > 0) await this.raw.$executeRawUnsafe(`VACUUM ${VERSION_TABLES.join(', ')}`);
      return removed;
    } catch (err) {
      throw toDbError(err, `remove old index versions of collection ${collectionId}`);
    }
  }

  /**
   * Marks failed, with `reason` as their error, the versions of every collection still `building` that were
   * created more than `olderThanMs` milliseconds ago (by the database's clock): builds left behind by a process
   * that died. Resolves to the versions it failed.
   */
  async failStale(olderThanMs: number, reason: string): Promise<VersionRef[]> {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw new DbError('INVALID_ARGUMENT', `olderThanMs must be a non-negative number of milliseconds, got ${olderThanMs}.`);
    }
    try {
      const rows = await this.raw.$queryRawUnsafe<{ id: string; collectionId: string; version: unknown }[]>(
        `UPDATE "IndexVersion" SET status = 'failed', error = $2
         WHERE status = 'building' AND "createdAt" <= now() - $1::float8 * interval '1 millisecond'
         RETURNING id::text AS id, "collectionId"::text AS "collectionId", version`,
        olderThanMs,
        reason,
      );
      return rows.map((r) => ({ id: r.id, collectionId: r.collectionId, version: toInt(r.version), status: 'failed' as const }));
    } catch (err) {
      throw toDbError(err, 'fail index versions left building');
    }
  }

  /**
   * The chain of a published (or superseded) version, without data: its full snapshot first, then each delta up
   * to the version itself. Throws NOT_FOUND when the version or a link of its chain is missing.
   */
  async chain(collectionId: string, version: number): Promise<IndexVersionInfo[]> {
    let rows: VersionRow[];
    try {
      rows = await this.raw.$queryRawUnsafe<VersionRow[]>(
        `SELECT ${VERSION_COLUMNS} FROM "IndexVersion"
         WHERE "collectionId" = $1::uuid AND status IN ('published', 'superseded')
           AND version <= $2::int
           AND version >= (SELECT COALESCE("baseVersion", version) FROM "IndexVersion" WHERE "collectionId" = $1::uuid AND version = $2::int)
         ORDER BY version DESC`,
        collectionId,
        version,
      );
    } catch (err) {
      throw toDbError(err, `read the chain of index version ${version} of collection ${collectionId}`);
    }
    const byVersion = new Map(rows.map((r) => [toInt(r.version), toInfo(r)]));
    const out: IndexVersionInfo[] = [];
    for (let v: number | null = version; v !== null; ) {
      const info = byVersion.get(v);
      if (!info) throw new DbError('NOT_FOUND', `Index version ${v} of collection ${collectionId} (in the chain of version ${version}) is missing.`);
      out.push(info);
      v = info.kind === 'delta' ? info.parentVersion : null;
    }
    return out.reverse();
  }

  /** The bridge of a full version (the delta from the version it replaced), or null when it has none. */
  async readBridge(versionId: string): Promise<Uint8Array | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ bridge: string | null }[]>(
        `SELECT encode(bridge, 'base64') AS bridge FROM "IndexVersion" WHERE id = $1::uuid`,
        versionId,
      );
      const row = rows[0];
      if (!row) throw new DbError('NOT_FOUND', `Index version ${versionId} does not exist.`);
      return row.bridge === null ? null : new Uint8Array(Buffer.from(row.bridge, 'base64'));
    } catch (err) {
      throw toDbError(err, `read the bridge of index version ${versionId}`);
    }
  }

  /** The published version of a collection without its data, or null. */
  async publishedInfo(collectionId: string): Promise<IndexVersionInfo | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<VersionRow[]>(
        `SELECT ${VERSION_COLUMNS} FROM "IndexVersion" WHERE "collectionId" = $1::uuid AND status = 'published'
         ORDER BY version DESC LIMIT 1`,
        collectionId,
      );
      return rows[0] ? toInfo(rows[0]) : null;
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

  /** One version without its data (see `readData`), or null. */
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

/** Bytes of one array, or of the parts of one. */
function byteLengthOf(data: Uint8Array | readonly Uint8Array[]): number {
  if (data instanceof Uint8Array) return data.byteLength;
  let n = 0;
  for (const part of data) n += part.byteLength;
  return n;
}

/** The chunks of a serialized index one at a time, numbered from 0, for one writer or several taking turns. */
interface ChunkSource {
  next(): { seq: number; piece: Uint8Array } | null;
}

function chunkSource(data: Uint8Array | readonly Uint8Array[], size: number): ChunkSource {
  const pieces = chunksOf(data instanceof Uint8Array ? [data] : data, size);
  let seq = 0;
  return {
    next: () => {
      const r = pieces.next();
      return r.done ? null : { seq: seq++, piece: r.value };
    },
  };
}

/**
 * The concatenation of `parts` cut into pieces of `size` bytes (the last one shorter): a piece within one part is a
 * view of it, any other a copy of its bytes alone.
 */
export function* chunksOf(parts: readonly Uint8Array[], size: number): Generator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (const part of parts) {
    let at = 0;
    while (at < part.byteLength) {
      const take = Math.min(size - pendingBytes, part.byteLength - at);
      const slice = part.subarray(at, at + take);
      at += take;
      if (pendingBytes === 0 && take === size) {
        yield slice;
        continue;
      }
      pending.push(slice);
      pendingBytes += take;
      if (pendingBytes === size) {
        yield Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
