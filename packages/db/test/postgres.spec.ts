import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createLogger } from '@lexigraph/contracts';
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
  storeSuite({
    kind: 'postgres',
    open: () => createStore({ databaseUrl, schema }),
    async isolated() {
      const name = `lexigraph_test_${randomBytes(6).toString('hex')}`;
      await withClient((client) => client.query(`CREATE DATABASE "${name}"`));
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      const store = await createStore({ databaseUrl: url.toString() });
      return {
        store,
        async dispose() {
          await store.close();
          await withClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
        },
      };
    },
  });

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

  it('holds the changes clock back to the start of a transaction still open elsewhere', async () => {
    const store = await createStore({ databaseUrl, schema });
    try {
      await withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const started = new Date((await client.query<{ t: Date }>('SELECT now() AS t')).rows[0]!.t);
          await new Promise((r) => setTimeout(r, 50));
          // a write of this transaction would carry `started`: a read now must not move past it
          expect((await store.documents.now()).getTime()).toBeLessThanOrEqual(started.getTime());
        } finally {
          await client.query('ROLLBACK');
        }
      });
      const free = await store.documents.now();
      expect(Date.now() - free.getTime()).toBeLessThan(60_000);
    } finally {
      await store.close();
    }
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

  it('moves the index bytes of versions stored before chunking into 8 MiB chunks', async () => {
    const schema = freshSchema();
    const [init, ...later] = loadMigrations();
    expect(later.length).toBeGreaterThan(0);
    const big = Buffer.alloc(2 * 8 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const ids = await withClient(async (client) => {
      await runMigrations(sessionOf(client), { schema, migrations: [init!] });
      await client.query(`SET search_path TO "${schema}"`);
      const c = await client.query<{ id: string }>(`INSERT INTO "Collection" (name) VALUES ('legacy') RETURNING id`);
      const insert = async (version: number, status: string, data: Buffer | null) =>
        (
          await client.query<{ id: string }>(
            `INSERT INTO "IndexVersion" ("collectionId", version, status, data) VALUES ($1, $2, $3, $4) RETURNING id`,
            [c.rows[0]!.id, version, status, data],
          )
        ).rows[0]!.id;
      return {
        superseded: await insert(1, 'superseded', Buffer.from([1, 2, 3])),
        published: await insert(2, 'published', big),
        empty: await insert(3, 'failed', Buffer.alloc(0)),
        building: await insert(4, 'building', null),
      };
    });
    const store = await createStore({ databaseUrl, schema });
    try {
      expect(store.migrations.applied).toEqual(later.map((m) => m.name));
      const published = await store.indexes.latestPublished((await store.collections.get('legacy'))!.id);
      expect(published?.id).toBe(ids.published);
      expect(Buffer.compare(Buffer.from(published!.data), big)).toBe(0);
      expect(Array.from(await store.indexes.readData(ids.superseded))).toEqual([1, 2, 3]);
      expect((await store.indexes.readData(ids.empty)).byteLength).toBe(0);
      expect((await store.indexes.get(ids.building))?.dataBytes).toBeNull();
      const chunks = await store.prisma.$queryRaw<{ seq: number; bytes: number }[]>`
        SELECT seq, octet_length(data)::int AS bytes FROM "IndexChunk" WHERE "versionId" = ${ids.published}::uuid ORDER BY seq`;
      expect(chunks).toEqual([
        { seq: 0, bytes: 8 * 1024 * 1024 },
        { seq: 1, bytes: 8 * 1024 * 1024 },
        { seq: 2, bytes: 123 },
      ]);
      const columns = await store.prisma.$queryRaw<{ column_name: string }[]>`
        SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_schema = ${schema} AND table_name = 'IndexVersion'`;
      expect(columns.map((r) => r.column_name)).not.toContain('data');
    } finally {
      await store.close();
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

describe('PostgreSQL store: a connection the server ends', () => {
  it('reports the lost idle connection and answers the next query on a new one', async () => {
    const lines: string[] = [];
    const logger = createLogger('store', { destination: { write: (line: string) => void lines.push(line) } });
    const store = await createStore({ databaseUrl, schema: freshSchema(), logger });
    try {
      const pidOf = async () => Number((await store.prisma.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`)[0]?.pid);
      const pid = await pidOf();
      await withClient((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
      // the pool hears of it when the server's message arrives on the idle connection (at most 10 s here)
      for (let waited = 0; lines.length === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(lines.map((l) => JSON.parse(l) as { level: string; code: string })).toEqual([expect.objectContaining({ level: 'warn', code: '57P01' })]);
      const next = await pidOf();
      expect(next).toBeGreaterThan(0);
      expect(next).not.toBe(pid);
    } finally {
      await store.close();
    }
  });
});
