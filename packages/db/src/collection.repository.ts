import type { PrismaClient } from './client';
import { DbError, toDbError } from './errors';
import { parseJson, toJsonParam, type RawRunner } from './sql';
import type { CollectionRecord } from './types';

interface CollectionRow {
  id: string;
  name: string;
  config: unknown;
  createdAt: Date | string;
}

function toRecord(row: CollectionRow): CollectionRecord {
  return {
    id: row.id,
    name: row.name,
    config: parseJson<Record<string, unknown>>(row.config) ?? {},
    createdAt: new Date(row.createdAt),
  };
}

const COLUMNS = `id::text AS id, name, config, "createdAt"`;

export class CollectionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  private get raw(): RawRunner {
    return this.prisma as unknown as RawRunner;
  }

  /**
   * Returns the collection named `name`, creating it if missing. Safe to call concurrently.
   * When `config` is given it is stored (on create, or replacing the stored one); when omitted an existing
   * collection keeps its config and a new one gets `{}`.
   */
  async ensure(name: string, config?: Record<string, unknown>): Promise<CollectionRecord> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new DbError('INVALID_ARGUMENT', 'A collection name must be a non-empty string.');
    }
    const onConflict =
      config === undefined
        ? // A no-op update still returns the row, which DO NOTHING would not.
          'DO UPDATE SET name = EXCLUDED.name'
        : 'DO UPDATE SET config = EXCLUDED.config';
    try {
      const rows = await this.raw.$queryRawUnsafe<CollectionRow[]>(
        `INSERT INTO "Collection" (name, config) VALUES ($1, $2::jsonb)
         ON CONFLICT (name) ${onConflict}
         RETURNING ${COLUMNS}`,
        name,
        toJsonParam(config ?? {}),
      );
      const row = rows[0];
      if (!row) throw new DbError('INTERNAL', `ensure collection "${name}": no row returned`);
      return toRecord(row);
    } catch (err) {
      throw toDbError(err, `ensure collection "${name}"`);
    }
  }

  /** The collection named `name`, or null. */
  async get(name: string): Promise<CollectionRecord | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<CollectionRow[]>(
        `SELECT ${COLUMNS} FROM "Collection" WHERE name = $1`,
        name,
      );
      return rows[0] ? toRecord(rows[0]) : null;
    } catch (err) {
      throw toDbError(err, `get collection "${name}"`);
    }
  }

  /** The collection with this id, or null. */
  async getById(id: string): Promise<CollectionRecord | null> {
    try {
      const rows = await this.raw.$queryRawUnsafe<CollectionRow[]>(
        `SELECT ${COLUMNS} FROM "Collection" WHERE id = $1::uuid`,
        id,
      );
      return rows[0] ? toRecord(rows[0]) : null;
    } catch (err) {
      throw toDbError(err, `get collection ${id}`);
    }
  }

  /** Every collection, ordered by name (bytewise). */
  async list(): Promise<CollectionRecord[]> {
    try {
      const rows = await this.raw.$queryRawUnsafe<CollectionRow[]>(
        `SELECT ${COLUMNS} FROM "Collection" ORDER BY name COLLATE "C"`,
      );
      return rows.map(toRecord);
    } catch (err) {
      throw toDbError(err, 'list collections');
    }
  }

  /**
   * Deletes the collection and, by cascade, its sources, documents and index versions (with their tables).
   * Returns false when there was no such collection.
   */
  async remove(name: string): Promise<boolean> {
    try {
      const n = await this.raw.$executeRawUnsafe(`DELETE FROM "Collection" WHERE name = $1`, name);
      return n > 0;
    } catch (err) {
      throw toDbError(err, `remove collection "${name}"`);
    }
  }
}
