import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import pg from 'pg';
import { dataDirFor, ensureBuilt, generatedSite, REDIS_URL, serveSite, snapshotOf, waitFor, type Site, startStack, type TestStack } from './helpers';

jest.setTimeout(300_000);

const PAGES = 100;
const KILLS = 3;
const APP_DIR = path.join(__dirname, '..');
const MAIN = path.join(APP_DIR, 'dist', 'main.js');
const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 300, backoffMs: 100, stalledIntervalMs: 1000, lockDurationMs: 2000 };

describe('fault tolerance: SIGKILL the indexer mid-crawl, several times', () => {
  let stack: TestStack;
  let site: Site;
  let child: ChildProcess | null = null;
  let logs = '';

  beforeAll(async () => {
    ensureBuilt(APP_DIR);
    const pages = generatedSite(PAGES);
    site = await serveSite((p) => (pages[p] === undefined ? { status: 404 } : { status: 200, body: pages[p] }));
    stack = await startStack('fault', QUEUE);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    await site?.close();
    await stack?.close();
  });

  function spawnIndexer(): ChildProcess {
    const proc = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: stack.db.url,
        REDIS_URL,
        QUEUE_PREFIX: stack.prefix,
        LEXIGRAPH_DATA: dataDirFor(stack.prefix),
        INDEXER_CONCURRENCY: '3',
        QUEUE_STALLED_MS: String(QUEUE.stalledIntervalMs),
        QUEUE_LOCK_MS: String(QUEUE.lockDurationMs),
        QUEUE_BACKOFF_MS: String(QUEUE.backoffMs),
        INDEX_DEBOUNCE_MS: String(QUEUE.buildDebounceMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // JSON log lines on stdout, anything else (a crash) on stderr
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.on('data', (d: Buffer) => {
        logs += d.toString();
      });
    }
    return proc;
  }

  async function progress(collection: string) {
    const r = await fetch(`${stack.base}/v1/collections/${collection}/progress`);
    return (await r.json()) as { idle: boolean; published: { version: number } | null; run: { done: number; stored: number; failed: number } | null };
  }

  async function crawl(collection: string): Promise<void> {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: collection }) })).status).toBe(201);
    const r = await fetch(`${stack.base}/v1/collections/${collection}/sources`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ seeds: [site.url], allowPrivate: true, maxDepth: 10 }),
    });
    expect(r.status).toBe(202);
  }

  const finished = (collection: string) =>
    waitFor(
      `${collection}: every page fetched and published`,
      async () => {
        const p = await progress(collection);
        return p.published && p.idle && p.run?.stored === PAGES ? p : undefined;
      },
      180_000,
      200,
    );

  it('ends with the same documents and lexicon as an undisturbed run, no duplicate rows, no lost pages', async () => {
    // Undisturbed run, in-process.
    const calm = await stack.startIndexer(3);
    try {
      await crawl('calm');
      await finished('calm');
    } finally {
      await calm.close();
    }
    const expected = await snapshotOf(stack.db.url, 'calm');
    expect(expected.documents).toHaveLength(PAGES);

    // Disturbed run: the built indexer as a child process, SIGKILLed mid-crawl KILLS times, restarted each time.
    await crawl('storm');
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      child = spawnIndexer();
      const start = (await progress('storm')).run?.done ?? 0;
      await waitFor(`indexer ${k + 1} to make progress`, async () => {
        const done = (await progress('storm')).run?.done ?? 0;
        return done >= start + 10 ? done : undefined;
      }, 60_000, 50);
      const p = await progress('storm');
      killedAt.push(p.run?.done ?? 0);
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(child.pid as number, 'SIGKILL');
      await exited;
    }
    // Every kill came before the end of the crawl.
    expect(killedAt.every((n) => n < PAGES)).toBe(true);
    child = spawnIndexer();
    const end = await finished('storm');
    expect(end.run?.failed).toBe(0);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;

    const got = await snapshotOf(stack.db.url, 'storm');
    expect(got.documents).toEqual(expected.documents);
    expect(got.lexicon).toEqual(expected.lexicon);

    const c = new pg.Client({ connectionString: stack.db.url });
    await c.connect();
    try {
      const rows = await c.query(
        `SELECT count(*)::int AS n, count(DISTINCT d."externalId")::int AS distinct_ids FROM "Document" d
         JOIN "Collection" k ON k.id = d."collectionId" WHERE k.name = 'storm'`,
      );
      expect(rows.rows[0]).toEqual({ n: PAGES, distinct_ids: PAGES });
      const versions = await c.query(
        `SELECT count(*) FILTER (WHERE status = 'published')::int AS published FROM "IndexVersion" v
         JOIN "Collection" k ON k.id = v."collectionId" WHERE k.name = 'storm'`,
      );
      expect(versions.rows[0]).toEqual({ published: 1 });
    } finally {
      await c.end();
    }
    // output of the indexers: started lines, and no crash other than the kills
    expect(logs).toContain('"event":"started"');
  });
});
