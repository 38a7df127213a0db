import type { PrismaClient } from './client';
import { DbError, toDbError } from './errors';
import { toJsonParam, type RawRunner } from './sql';

/** What a source is: a crawl from seeds (the only kind the API creates), an upload or a file. */
export type SourceKindName = 'crawl' | 'upload' | 'file';

/** The sources of collections: what was asked to be crawled or read, and on which schedule. */
export class SourceRepository {
  constructor(private readonly prisma: PrismaClient) {}

  private get raw(): RawRunner {
    return this.prisma as unknown as RawRunner;
  }

  /**
   * Stores a source of a collection: its kind, its spec as given (JSON) and its schedule (`every:<ms>` or a cron
   * expression, null for none). Returns its id. Throws NOT_FOUND when the collection does not exist.
   */
  async create(collectionId: string, kind: SourceKindName, spec: Record<string, unknown>, schedule: string | null): Promise<string> {
    try {
      const rows = await this.raw.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO "Source" ("collectionId", kind, spec, schedule) VALUES ($1::uuid, $2::"SourceKind", $3::jsonb, $4) RETURNING id::text AS id`,
        collectionId,
        kind,
        toJsonParam(spec),
        schedule,
      );
      const id = rows[0]?.id;
      if (!id) throw new DbError('INTERNAL', `create a source of collection ${collectionId}: no row returned`);
      return id;
    } catch (err) {
      throw toDbError(err, `create a source of collection ${collectionId}`);
    }
  }
}
