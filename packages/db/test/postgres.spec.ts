import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore, DbError, loadMigrations, runMigrations, type SqlSession } from '../src';
import { storeSuite } from './store-suite';

const databaseUrl =
  process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

function freshSchema(): string {
  const name = `lexigraph_test_${randomBytes(6).toString('hex')}`;
  schemas.push(name);
  return name;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function sessionOf(client: pg.Client): SqlSession {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

afterAll(async () => {
  await withClient(async (client) => {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
});

describe('PostgreSQL store', () => {
  const schema = freshSchema();
  storeSuite({ kind: 'postgres', open: () => createStore({ databaseUrl, schema }) });

  it('keeps its tables in its own schema', async () => {
    const tables = await withClient(async (client) => {
      const r = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      );
      return r.rows.map((row) => row.table_name);
    });
    expect(tables).toEqual(
      expect.arrayContaining(['Collection', 'Document', 'IndexVersion', 'LexiconEntry', 'XEmbedding', 'TokenCategory']),
    );
    expect(tables).toContain('_lexigraph_migrations');
  });
});

describe('PostgreSQL migrations', () => {
  it('two stores opening a fresh schema at once apply each migration exactly once', async () => {
    const schema = freshSchema();
    const [a, b, c] = await Promise.all([
      createStore({ databaseUrl, schema }),
      createStore({ databaseUrl, schema }),
      createStore({ databaseUrl, schema }),
    ]);
    try {
      const names = loadMigrations().map((m) => m.name);
      const appliedTotal = [a, b, c].flatMap((s) => s.migrations.applied);
      expect(appliedTotal.sort()).toEqual(names.sort());
      const rows = await a.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM _lexigraph_migrations`;
      expect(rows[0]?.n).toBe(names.length);
      // The three stores see the same data.
      const made = await a.collections.ensure('shared');
      expect((await b.collections.get('shared'))?.id).toBe(made.id);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('rolls back a failing migration and records nothing', async () => {
    const schema = freshSchema();
    const migrations = [
      { name: '001_ok', sql: 'CREATE TABLE t_ok (x int);', checksum: 'a' },
      { name: '002_bad', sql: 'CREATE TABLE t_half (x int); SELECT no_such_column FROM t_ok;', checksum: 'b' },
    ];
    await withClient(async (client) => {
      const session = sessionOf(client);
      const err = await runMigrations(session, { schema, migrations }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbError);
      expect((err as DbError).code).toBe('MIGRATION_FAILED');
      expect((err as DbError).message).toContain('002_bad');
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(['_lexigraph_migrations', 't_ok']);
      const done = await client.query(`SELECT name FROM "${schema}"._lexigraph_migrations`);
      expect(done.rows).toEqual([{ name: '001_ok' }]);
      // The lock was released: another run can proceed and fixes nothing by itself.
      const again = await runMigrations(session, { schema, migrations: migrations.slice(0, 1) });
      expect(again).toEqual({ applied: [], skipped: ['001_ok'] });
    });
  });

  it('refuses an applied migration whose SQL changed', async () => {
    const schema = freshSchema();
    await withClient(async (client) => {
      const session = sessionOf(client);
      await runMigrations(session, { schema, migrations: [{ name: '001', sql: 'SELECT 1;', checksum: 'one' }] });
      const err = await runMigrations(session, {
        schema,
        migrations: [{ name: '001', sql: 'SELECT 2;', checksum: 'two' }],
      }).catch((e: unknown) => e);
      expect((err as DbError).code).toBe('MIGRATION_MODIFIED');
    });
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    const err = await createStore({ databaseUrl, schema: 'x"; DROP TABLE y; --' }).catch((e: unknown) => e);
    expect((err as DbError).code).toBe('INVALID_ARGUMENT');
  });

  it('reports an unreachable server as UNAVAILABLE', async () => {
    const err = await createStore({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).code).toBe('UNAVAILABLE');
  });
});
