import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildIndex, documentHash } from '@lexigraph/pipeline';
import { startGateway } from '../src/main';
import { DOCS, TcpProxy, ZEPPELIN, getJson, post, testDb, until, type Json, type TestDb } from './fixtures';

describe('gateway started while the database is down', () => {
  let db: TestDb;
  let app: NestFastifyApplication | undefined;
  let back: TcpProxy | undefined;
  let elsewhere: string;

  beforeAll(async () => {
    db = await testDb('offline');
    await db.publish('manual', DOCS);
    elsewhere = await mkdtemp(path.join(tmpdir(), 'lexigraph-gw-elsewhere-'));
  });

  afterAll(async () => {
    await app?.close();
    await back?.cut();
    await db?.drop();
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('serves the snapshot files, reports the database down, and takes the database up when it answers', async () => {
    // The gateway's DATABASE_URL points at a port where nothing listens yet.
    back = await TcpProxy.to(db.url, 5432, false);
    let url: string;
    ({ app, url } = await startGateway({
      config: db.config({ databaseUrl: back.via(db.url), dataDir: db.dataDir, pollMs: 200 }),
      events: false,
      logger: false,
      defaultMetrics: false,
    }));

    const answer = await post(`${url}/v1/collections/manual/query`, { prompt: 'create a partial index', params: { k: 3 } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ collection: 'manual', indexVersion: 1 });
    expect(answer.body.results[0].id).toBe('indexes');

    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'error', service: 'gateway', checks: { database: 'down', redis: 'up', indexes: 'up' } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    const loaded = await getJson(`${url}/v1/collections`);
    expect(loaded.collections).toEqual([expect.objectContaining({ collection: 'manual', version: 1, source: 'snapshot' })]);

    // A collection no snapshot holds cannot be looked up without the database: 503, not 404.
    const unknown = await post(`${url}/v1/collections/other/query`, { prompt: 'vacuum' });
    expect(unknown.status).toBe(503);
    expect(unknown.body.code).toBe('UNAVAILABLE');

    // Meanwhile a new version is published into the database only (its snapshot goes to another folder), then the
    // database becomes reachable at the gateway's address: the periodic check opens it and serves version 2.
    await db.pipeline.upsertDocuments('manual', [{ entity: ZEPPELIN, hash: documentHash(ZEPPELIN) }]);
    const v2 = await buildIndex(db.pipeline, elsewhere, 'manual');
    expect(v2.version).toBe(2);
    await back.restore();

    const served = await until('version 2 from the database', async () => {
      const list = await getJson(`${url}/v1/collections`);
      const manual = list.collections.find((c: Json) => c.collection === 'manual');
      return manual?.version === 2 ? manual : undefined;
    }, 20_000);
    expect(served.source).toBe('database');
    const zeppelin = await post(`${url}/v1/collections/manual/query`, { prompt: 'zeppelin storage tiers' });
    expect(zeppelin.body.indexVersion).toBe(2);
    expect(zeppelin.body.results[0].id).toBe('zeppelin');
    const healthy = await fetch(`${url}/health`);
    expect(healthy.status).toBe(200);
    expect(((await healthy.json()) as Json).checks.database).toBe('up');
  }, 60_000);
});
