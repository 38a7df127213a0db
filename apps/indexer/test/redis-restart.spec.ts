import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import type { RunningIndexer } from '../src/main';
import { freePort, generatedSite, serveSite, snapshotOf, waitFor, type Site, startStack, type TestStack } from './helpers';

jest.setTimeout(180_000);

const PAGES = 40;
/** The Redis settings of docker-compose.yml: an append-only file fsynced every second, no eviction. */
const COMPOSE_SETTINGS = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'];

/** A redis-server of this test on `port`, its files in `dir`; resolves once it answers PING. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...COMPOSE_SETTINGS], { stdio: 'ignore' });
  const probe = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await waitFor('redis-server to answer', async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } catch {
        probe.disconnect();
        return undefined;
      }
    }, 20_000, 100);
  } finally {
    probe.disconnect();
  }
  return child;
}

/** Stops redis-server the way an operator's restart does (SIGTERM: it writes out its append-only file and exits). */
async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

describe('a Redis restart in the middle of a crawl (a redis-server of its own with the compose settings)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lx-redis-'));
  let port: number;
  let redis: ChildProcess;
  let stack: TestStack | undefined;
  let site: Site;
  let indexer: RunningIndexer | undefined;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port, dir);
    const pages = generatedSite(PAGES);
    // Each page takes 150 ms, so the crawl is still running when Redis goes away.
    site = await serveSite(async (p) => {
      await new Promise((r) => setTimeout(r, 150));
      return pages[p] === undefined ? { status: 404 } : { status: 200, body: pages[p] };
    });
    stack = await startStack('redisrestart', { redisUrl: `redis://127.0.0.1:${port}`, buildDebounceMs: 300, backoffMs: 200, stalledIntervalMs: 1000, lockDurationMs: 3000 });
  });

  afterAll(async () => {
    await indexer?.close();
    await site?.close();
    await stack?.close();
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes the crawl with every page after Redis is stopped and started again', async () => {
    const s = stack as TestStack;
    indexer = await s.startIndexer(2);
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${s.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'restart' }) })).status).toBe(201);
    const src = await fetch(`${s.base}/v1/collections/restart/sources`, { method: 'POST', headers: json, body: JSON.stringify({ seeds: [site.url], allowPrivate: true, maxDepth: 10 }) });
    expect(src.status).toBe(202);

    const fetched = () => [...site.hits.entries()].filter(([p]) => p !== '/robots.txt' && p !== '/sitemap.xml').length;
    await waitFor('a few pages fetched', async () => (fetched() >= 6 ? true : undefined), 60_000, 50);
    const before = fetched();
    expect(before).toBeLessThan(PAGES);

    // Restart: the jobs queued, running and done so far survive in the append-only file.
    await stopRedis(redis);
    // Meanwhile the ingest API says so in a small body, without internals.
    const res = await fetch(`${s.base}/health`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ status: 'error', service: 'ingest', checks: { database: 'up', redis: 'down' } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    redis = await startRedis(port, dir);

    const progress = await waitFor('the crawl published with every page', async () => {
      const p = (await (await fetch(`${s.base}/v1/collections/restart/progress`)).json()) as {
        idle: boolean;
        published: { version: number } | null;
        run: { stored: number; failed: number } | null;
      };
      return p.published && p.idle && p.run?.stored === PAGES ? p : undefined;
    }, 150_000, 250);
    expect(progress.run?.failed).toBe(0);
    const snapshot = await snapshotOf(s.db.url, 'restart');
    expect(snapshot.documents).toHaveLength(PAGES);
    // What was queued and done survived: only the fetches running at the restart may run again (a Redis that
    // forgot its jobs has the crawl start over from the pages then running, fetching earlier pages again).
    const again = [...site.hits.entries()].filter(([p, n]) => p !== '/robots.txt' && p !== '/sitemap.xml' && n > 1);
    expect(again.length).toBeLessThanOrEqual(2 * 2);
  });
});
