export { createStore, DEFAULT_DATA_DIR } from './store';
export type { Store, StoreOptions } from './store';
export { CollectionRepository } from './collection.repository';
export { DocumentRepository } from './document.repository';
export { SourceRepository, type SourceKindName } from './source.repository';
export { IndexRepository, DEFAULT_INDEX_CHUNK_BYTES } from './index.repository';
export type { IndexRepositoryOptions } from './index.repository';
export type { DirectQuery, DirectTransaction } from './sql';
export { KeyRepository } from './key.repository';
export type { ApiKeyRecord, NewApiKey } from './key.repository';
export { AuditRepository } from './audit.repository';
export type { AuditRecord, AuditPageOptions, NewAuditEvent } from './audit.repository';
export { DbError, isUniqueViolation, toDbError } from './errors';
export type { DbErrorCode } from './errors';
export {
  runMigrations,
  loadMigrations,
  migrationLockKey,
  MIGRATIONS_DIR,
  MIGRATIONS_TABLE,
} from './migrate';
export type { Migration, MigrationResult, SqlSession } from './migrate';
export { PrismaClient, Prisma } from './client';
export type * from './types';
