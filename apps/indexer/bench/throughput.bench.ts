/**
 * Crawl throughput of the indexer service: serves a generated site of BENCH_PAGES pages (default 300) on
 * 127.0.0.1, each answer delayed by BENCH_LATENCY_MS (default 20, a remote site's round trip; 0 for none),
 * and crawls it through the ingest API with 1 and then 2 indexer processes (`dist/main.js`, BENCH_CONCURRENCY
 * jobs each, default 4), each run into its own collection. Prints pages per second for each and the ratio.
 * Uses its own PostgreSQL database (dropped after) and a unique queue prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createIngestApp } from '@lexigraph/ingest';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { createDatabase, dataDirFor, removeDataDir, generatedSite, REDIS_URL, serveSite, snapshotOf, uniquePrefix, waitFor, type Site } from '../test/helpers';

const PAGES = Number(process.env.BENCH_PAGES || 300);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 4);
const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

describe('indexer throughput', () => {
  let db: { url: string; drop: () => Promise<void> };
  let site: Site;
  let ingest: INestApplication;
  let base: string;
  const prefix = uniquePrefix('bench');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`build the indexer first (npm run build -w apps/indexer): ${MAIN} is missing`);
    db = await createDatabase('bench');
    const pages = generatedSite(PAGES);
    site = await serveSite(async (p) => {
      if (LATENCY > 0) await new Promise((r) => setTimeout(r, LATENCY));
      return pages[p] === undefined ? { status: 404 } : { status: 200, body: pages[p] };
    });
    ingest = await createIngestApp({ databaseUrl: db.url, queue: { redisUrl: REDIS_URL, prefix }, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] } });
    await ingest.listen(0, '127.0.0.1');
    base = (await ingest.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    await ingest?.close();
    const q = new JobQueues(queueConfig({ redisUrl: REDIS_URL, prefix }));
    await q.obliterate();
    await q.close();
    await site?.close();
    await db?.drop();
    await removeDataDir(prefix);
  });

  async function run(workers: number): Promise<{ pagesPerSecond: number; publishedMs: number; lexicon: number }> {
    const started: ChildProcess[] = [];
    for (let i = 0; i < workers; i++) {
      const proc = spawn(process.execPath, [MAIN], {
        env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, LEXIGRAPH_DATA: dataDirFor(prefix), INDEXER_CONCURRENCY: String(CONCURRENCY) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let ready = false;
      proc.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('"event":"started"')) ready = true;
      });
      started.push(proc);
      children.push(proc);
      await waitFor('indexer started', async () => (ready ? true : undefined), 60_000, 50);
    }
    const collection = `bench-${workers}`;
    const json = { 'content-type': 'application/json' };
    await fetch(`${base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: collection }) });
    const t0 = performance.now();
    await fetch(`${base}/v1/collections/${collection}/sources`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ seeds: [site.url], allowPrivate: true, maxDepth: 20, maxPages: PAGES * 2 }),
    });
    let crawledMs = 0;
    await waitFor(
      'crawl and publish',
      async () => {
        const p = (await (await fetch(`${base}/v1/collections/${collection}/progress`)).json()) as {
          idle: boolean;
          published: unknown;
          run: { stored: number } | null;
        };
        if (!crawledMs && p.run?.stored === PAGES) crawledMs = performance.now() - t0;
        return crawledMs && p.published && p.idle ? true : undefined;
      },
      600_000,
      50,
    );
    const publishedMs = performance.now() - t0;
    for (const proc of started) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
    const snap = await snapshotOf(db.url, collection);
    expect(snap.documents).toHaveLength(PAGES);
    return { pagesPerSecond: PAGES / (crawledMs / 1000), publishedMs, lexicon: snap.lexicon.length };
  }

  it(`crawls ${PAGES} pages with 1 and 2 indexer processes`, async () => {
    const one = await run(1);
    const two = await run(2);
    expect(two.lexicon).toBe(one.lexicon);
    const line = (n: number, r: { pagesPerSecond: number; publishedMs: number }) =>
      `${n} indexer${n > 1 ? 's' : ' '} x ${CONCURRENCY} jobs: ${r.pagesPerSecond.toFixed(1)} pages/s (crawl + publish ${(r.publishedMs / 1000).toFixed(1)} s)`;
    process.stdout.write(
      [
        `indexer throughput: ${PAGES} pages, ${LATENCY} ms per answer, loopback`,
        line(1, one),
        line(2, two),
        `ratio 2/1: ${(two.pagesPerSecond / one.pagesPerSecond).toFixed(2)}x`,
        '',
      ].join('\n'),
    );
  });
});
