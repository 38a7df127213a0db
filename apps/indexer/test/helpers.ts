import { createServer, type IncomingMessage, type Server } from 'node:http';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createIngestApp } from '@lexigraph/ingest';
import { openChain, type LexIndex } from '@lexigraph/core';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import pg from 'pg';
import { createDatabase, uniquePrefix } from '../../ingest/test/helpers';
import { startIndexer, type RunningIndexer } from '../src/main';

// The temporary database and queue prefix helpers are the ingest tests' own.
export { ADMIN_URL, REDIS_URL, createDatabase, uniquePrefix } from '../../ingest/test/helpers';
// and the free loopback port and the build of an app run as a process, the gateway tests' own
export { ensureBuilt, freePort } from '../../gateway/test/fixtures';

/** The snapshot folder (LEXIGRAPH_DATA) of a test run, under the system's temporary folder. */
export function dataDirFor(prefix: string): string {
  return path.join(tmpdir(), `lx-${prefix}`);
}

/** Removes the snapshot folder of a test run. */
export async function removeDataDir(prefix: string): Promise<void> {
  await fs.rm(dataDirFor(prefix), { recursive: true, force: true });
}

export interface Site {
  url: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves `pages` (path -> html, or a function of the request) on 127.0.0.1, counting hits per path. */
type Answer = { status: number; body?: string; headers?: Record<string, string> };

export async function serveSite(pages: Record<string, string> | ((path: string, req: IncomingMessage) => Answer | Promise<Answer>)): Promise<Site> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (typeof pages === 'function') {
      void Promise.resolve(pages(path, req)).then((r) => {
        res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8', ...(r.headers ?? {}) }).end(r.body ?? '');
      });
      return;
    }
    const body = pages[path];
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A generated site of `n` pages about numbered topics: page i links its three children (3i+1..3i+3), the next
 * page and its parent, so a crawl from "/" reaches every page within log3(n) + 1 hops. Deterministic content.
 */
export function generatedSite(n: number): Record<string, string> {
  const words = ['vacuum', 'index', 'replication', 'checkpoint', 'planner', 'partition', 'trigger', 'sequence', 'tablespace', 'cursor', 'extension', 'collation'];
  const pages: Record<string, string> = {};
  const path = (i: number) => (i === 0 ? '/' : `/p${i}.html`);
  for (let i = 0; i < n; i++) {
    const a = words[i % words.length] as string;
    const b = words[(i * 7 + 3) % words.length] as string;
    const links = [3 * i + 1, 3 * i + 2, 3 * i + 3, i + 1].filter((j) => j < n).map((j) => `<a href="${path(j)}">page ${j}</a>`);
    if (i > 0) links.push(`<a href="${path(Math.floor((i - 1) / 3))}">up</a>`);
    pages[path(i)] = `<html><head><title>Topic ${i}: ${a} and ${b}</title></head><body><h1>Topic ${i}</h1>
      <p>Notes on ${a} number ${i}. The ${a} settings interact with ${b} in release ${i % 17}.</p>
      <p>See how ${b} tuning changes ${a} behaviour under load ${i * 13}.</p>${links.join(' ')}</body></html>`;
  }
  return pages;
}

export interface Snapshot {
  documents: { id: string; hash: string }[];
  lexicon: { token: string; count: number; df: number }[];
  version: number;
}

/**
 * The published version of `collection` opened from its stored chain (its full snapshot, then each delta, as the
 * gateway opens it), or null when nothing is published.
 */
export async function publishedIndex(client: pg.Client, collection: string): Promise<{ version: number; index: LexIndex } | null> {
  const r = await client.query(
    `SELECT v.version, (SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM "IndexChunk" c WHERE c."versionId" = v.id) AS data
     FROM "IndexVersion" v JOIN "Collection" k ON k.id = v."collectionId", "IndexVersion" p
     WHERE k.name = $1 AND p."collectionId" = k.id AND p.status = 'published'
       AND v.status IN ('published', 'superseded') AND v.version BETWEEN p."baseVersion" AND p.version
     ORDER BY v.version`,
    [collection],
  );
  const rows = r.rows as Array<{ version: number; data: Buffer }>;
  const head = rows[rows.length - 1];
  return head ? { version: head.version, index: openChain(rows.map((x) => new Uint8Array(x.data))) } : null;
}

/** Live documents and the lexicon (every multi-token) of the published version of `collection`. */
export async function snapshotOf(databaseUrl: string, collection: string): Promise<Snapshot> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const docs = await c.query(
      `SELECT d."externalId" AS id, d."contentHash" AS hash FROM "Document" d JOIN "Collection" k ON k.id = d."collectionId"
       WHERE k.name = $1 AND d."deletedAt" IS NULL ORDER BY d."externalId" COLLATE "C"`,
      [collection],
    );
    const published = await publishedIndex(c, collection);
    const lexicon = published
      ? published.index.exportTables({ maxRelatedPerToken: 0 }).lexicon.map(({ token, count, df }) => ({ token, count, df }))
      : [];
    return { documents: docs.rows, lexicon, version: published?.version ?? 0 };
  } finally {
    await c.end();
  }
}

/** Queue timings of a test run (short, so retries and stalled jobs show up within the test's time). */
export interface TestQueue {
  redisUrl: string;
  buildDebounceMs: number;
  backoffMs: number;
  stalledIntervalMs: number;
  lockDurationMs: number;
}

/** What an indexer test runs against: a database and a queue prefix of its own, and the ingest API on loopback. */
export interface TestStack {
  db: { url: string; drop: () => Promise<void> };
  prefix: string;
  queue: TestQueue & { prefix: string };
  ingest: INestApplication;
  /** Base URL of the ingest API. */
  base: string;
  /** Starts an in-process indexer on this stack's database, queues and snapshot folder. */
  startIndexer(concurrency: number): Promise<RunningIndexer>;
  /** Closes the ingest API, empties the queues, drops the database and removes the snapshot folder. */
  close(): Promise<void>;
}

export async function startStack(name: string, timings: TestQueue): Promise<TestStack> {
  const db = await createDatabase(name);
  const prefix = uniquePrefix(name);
  const queue = { ...timings, prefix };
  let ingest: INestApplication | undefined;
  const close = async (): Promise<void> => {
    await ingest?.close();
    const q = new JobQueues(queueConfig(queue));
    await q.obliterate();
    await q.close();
    await db.drop();
    await removeDataDir(prefix);
  };
  try {
    ingest = await createIngestApp({ allowPrivateSources: true, databaseUrl: db.url, queue, dataDir: dataDirFor(prefix), logLevel: 'warn', defaultMetrics: false, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] } });
    await ingest.listen(0, '127.0.0.1');
    const base = (await ingest.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      db,
      prefix,
      queue,
      ingest,
      base,
      startIndexer: (concurrency) => startIndexer({ databaseUrl: db.url, dataDir: dataDirFor(prefix), concurrency, queue, log: false }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
