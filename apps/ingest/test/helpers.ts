// Database and queue-prefix helpers of the ingest tests, also used by the indexer's tests.
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;

/** A fresh PostgreSQL database for one test file; returns its URL and a function dropping it. */
export async function createDatabase(tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `lexigraph_svc_${tag}_${process.pid}_${counter++}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  u.search = '';
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A BullMQ key prefix no other run uses. */
export function uniquePrefix(tag: string): string {
  return `lxtest-${tag}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}
