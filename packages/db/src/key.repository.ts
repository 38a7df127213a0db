import type { PrismaClient } from './client';
import { toDbError } from './errors';

/** A stored API key (never its secret: only the hash of the key string). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the whole key string. */
  secretHash: string;
  scopes: string[];
  collections: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export type NewApiKey = Omit<ApiKeyRecord, 'revokedAt' | 'createdAt'>;

/** API keys, through Prisma's model API (a handful of rows, read by id). */
export class KeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(key: NewApiKey): Promise<ApiKeyRecord> {
    try {
      return await this.prisma.apiKey.create({ data: key });
    } catch (err) {
      throw toDbError(err, `create key ${key.id}`);
    }
  }

  /** The key with this id, revoked or expired ones included; null when there is none. */
  async get(id: string): Promise<ApiKeyRecord | null> {
    try {
      return await this.prisma.apiKey.findUnique({ where: { id } });
    } catch (err) {
      throw toDbError(err, `get key ${id}`);
    }
  }

  /** Every key, newest first. */
  async list(): Promise<ApiKeyRecord[]> {
    try {
      return await this.prisma.apiKey.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    } catch (err) {
      throw toDbError(err, 'list keys');
    }
  }

  /**
   * Marks the key revoked now (a revoked key stays listed, and keeps its first revocation time). Resolves to the key,
   * or null when there is no key with this id.
   */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    try {
      await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      return await this.prisma.apiKey.findUnique({ where: { id } });
    } catch (err) {
      throw toDbError(err, `revoke key ${id}`);
    }
  }
}
