// Prisma CLI configuration (migrate dev / deploy / status, db push, generate). The CLI runs its schema engine
// in JavaScript through the pg driver adapter, so no native engine is ever downloaded.
// The application itself never reads this file: it applies prisma/migrations with its own runner (src/migrate.ts).
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

process.env.CHECKPOINT_DISABLE ??= '1';
process.env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK ??= '1';

const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;

// The adapter cannot deserialize catalog columns of type `name` / `"char"` (prisma/prisma#27403), which every
// introspection query returns. In this (CLI) process only, report them as text.
type FieldLike = { dataTypeID: number };
const resultProto = (pg as unknown as { Result: { prototype: { addFields(fields: FieldLike[]): void } } }).Result
  .prototype;
const addFields = resultProto.addFields;
resultProto.addFields = function patchedAddFields(fields: FieldLike[]) {
  for (const field of fields) {
    if (field.dataTypeID === NAME_OID || field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  }
  return addFields.call(this, fields);
};

function poolConfig(url: string, database?: string): pg.PoolConfig {
  // Pass the parts separately: a connectionString would win over `database` and point the shadow at the main db.
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  return {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: database ?? decodeURIComponent(u.pathname.replace(/^\//, '')),
    allowExitOnIdle: true,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  };
}

/** PrismaPg whose shadow database really is a separate database, dropped (forcefully) once the pool is closed. */
class CliPrismaPg extends PrismaPg {
  constructor(private readonly url: string) {
    super(poolConfig(url));
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_shadow_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = new PrismaPg(poolConfig(this.url, database));
    const adapter = await shadow.connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return adapter;
  }
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: point it at the PostgreSQL database to migrate.');
    return new CliPrismaPg(url);
  },
});
