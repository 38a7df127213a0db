import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startGateway } from '../src/main';
import { DOCS, REDIS_URL, TcpProxy, ZEPPELIN, getJson, post, testDb, until, type Json, type TestDb } from './fixtures';

jest.setTimeout(90_000);

const PROMPTS = ['create a partial index', 'vacuum freeze', 'replication slot', 'max_wal_size checkpoints', 'quaternion spectroscopy'];

describe('gateway while the database and Redis go away and come back (TCP proxies cut and restored)', () => {
  let db: TestDb;
  let pg: TcpProxy;
  let redis: TcpProxy;
  let app: NestFastifyApplication | undefined;
  let url: string;

  beforeAll(async () => {
    db = await testDb('outage');
    await db.publish('manual', DOCS);
    pg = await TcpProxy.to(db.url, 5432);
    redis = await TcpProxy.to(REDIS_URL, 6379);
    ({ app, url } = await startGateway({
      config: db.config({ databaseUrl: pg.via(db.url), redisUrl: redis.via(REDIS_URL), dataDir: db.dataDir, pollMs: 200 }),
      logger: false,
      defaultMetrics: false,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await pg?.cut();
    await redis?.cut();
    await db?.drop();
  });

  /** Asks every prompt `rounds` times; returns the statuses that were not 200. */
  async function askAll(rounds: number): Promise<number[]> {
    const bad: number[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const prompt of PROMPTS) {
        const r = await post(`${url}/v1/collections/manual/query`, { prompt, params: { k: 3 } });
        if (r.status !== 200) bad.push(r.status);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return bad;
  }

  async function health(): Promise<{ status: number; bytes: number; body: Json }> {
    const res = await fetch(`${url}/health`);
    const text = await res.text();
    return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
  }

  it('answers every query of a loaded collection, keeps /health small, and takes the next version once both are back', async () => {
    expect(await askAll(1)).toEqual([]);
    expect((await health()).status).toBe(200);

    // The database goes away: queries are answered from memory, polls fail quietly, /health says so in a few bytes.
    await pg.cut();
    expect(await askAll(8)).toEqual([]);
    const noDb = await health();
    expect(noDb.status).toBe(503);
    expect(noDb.body.checks).toEqual({ database: 'down', redis: 'up', indexes: 'up' });
    expect(noDb.bytes).toBeLessThanOrEqual(1024);

    // Redis goes away too.
    await redis.cut();
    expect(await askAll(8)).toEqual([]);
    const neither = await health();
    expect(neither.body.checks).toEqual({ database: 'down', redis: 'down', indexes: 'up' });
    expect(neither.bytes).toBeLessThanOrEqual(1024);
    // A collection the gateway has not loaded cannot be looked up now: an honest 503, without internals.
    const unknown = await post(`${url}/v1/collections/elsewhere/query`, { prompt: 'vacuum' });
    expect(unknown.status).toBe(503);
    expect(JSON.stringify(unknown.body).length).toBeLessThanOrEqual(1024);

    // Meanwhile a new version is published (the indexer reaches the database directly).
    await db.publish('manual', [...DOCS, ZEPPELIN]);

    // Both come back: nothing is lost, the gateway serves the new version and reports healthy.
    await pg.restore();
    await redis.restore();
    await until('version 2 served', async () => {
      const list = await getJson(`${url}/v1/collections`);
      return list.collections.find((c: Json) => c.collection === 'manual')?.version === 2 ? true : undefined;
    }, 30_000);
    const zeppelin = await post(`${url}/v1/collections/manual/query`, { prompt: 'zeppelin storage tiers' });
    expect(zeppelin.status).toBe(200);
    expect(zeppelin.body.results[0].id).toBe('zeppelin');
    await until('healthy again', async () => ((await health()).status === 200 ? true : undefined), 30_000);
    expect((await health()).body.checks).toEqual({ database: 'up', redis: 'up', indexes: 'up' });
    expect(await askAll(1)).toEqual([]);
  });
});
