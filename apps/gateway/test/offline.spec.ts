import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildIndex, documentHash } from '@lexigraph/pipeline';
import { startGateway } from '../src/main';
import { DOCS, ZEPPELIN, getJson, post, testDb, until, type Json, type TestDb } from './fixtures';

/** A free loopback port: nothing listens on it until the proxy below starts there. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Forwards `port` to the real PostgreSQL server: "the database comes back". */
async function proxy(port: number, target: URL): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('gateway started while the database is down', () => {
  let db: TestDb;
  let app: NestFastifyApplication | undefined;
  let back: { close(): Promise<void> } | undefined;
  let elsewhere: string;

  beforeAll(async () => {
    db = await testDb('offline');
    await db.publish('manual', DOCS);
    elsewhere = await mkdtemp(path.join(tmpdir(), 'lexigraph-gw-elsewhere-'));
  });

  afterAll(async () => {
    await app?.close();
    await back?.close();
    await db?.drop();
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('serves the snapshot files, reports the database down, and takes the database up when it answers', async () => {
    // The gateway's DATABASE_URL points at a port where nothing listens yet.
    const port = await freePort();
    const real = new URL(db.url);
    const down = new URL(db.url);
    down.port = String(port);
    let url: string;
    ({ app, url } = await startGateway({
      config: db.config({ databaseUrl: down.toString(), dataDir: db.dataDir, pollMs: 200 }),
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
    back = await proxy(port, real);

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
