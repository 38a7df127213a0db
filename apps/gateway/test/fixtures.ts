import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Entity } from '@lexigraph/core';
import { createStore, type Store } from '@lexigraph/db';
import { buildIndex, documentHash, fromDbStore, type PipelineStore } from '@lexigraph/pipeline';
import type { GatewayConfig } from '../src/config';

export const BASE_URL = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function entity(id: string, title: string, text: string, category: string[], tags: string[] = []): Entity {
  return { id, url: `https://docs.example.test/${id}.html`, title, text, category, tags, links: [] };
}

/** A small database manual written for these tests. */
export const DOCS: Entity[] = [
  entity('vacuum', 'Routine Vacuuming', 'VACUUM reclaims storage occupied by dead tuples. Autovacuum runs vacuum and analyze automatically. Freezing old transaction ids prevents wraparound.', ['Administration', 'Maintenance'], ['vacuum']),
  entity('wal', 'Write-Ahead Logging', 'The write-ahead log records every change before data files are written. The max_wal_size setting bounds the log between checkpoints.', ['Administration', 'Reliability'], ['wal']),
  entity('replication', 'Logical Replication', 'Logical replication publishes table changes to subscribers. A replication slot keeps the log a standby still needs.', ['Administration', 'Replication'], ['replication']),
  entity('indexes', 'Partial Indexes', 'A partial index covers only the rows that satisfy its predicate. Create a partial index with a WHERE clause to keep it small.', ['SQL', 'Indexes'], ['index']),
  entity('json', 'JSON Types', 'The jsonb type stores parsed JSON in a binary form. GIN indexes speed up containment queries on jsonb columns.', ['SQL', 'Data Types'], ['json']),
  entity('locks', 'Explicit Locking', 'Row-level locks block concurrent writers of the same row. Deadlocks are detected and one transaction is aborted.', ['SQL', 'Concurrency'], ['locks']),
];

/** A page that only the second version of the index holds. */
export const ZEPPELIN: Entity = entity(
  'zeppelin',
  'Zeppelin Storage Tiers',
  'Zeppelin tiers move cold vacuum statistics to cheap storage. Each zeppelin tier keeps its own checkpoint.',
  ['Administration', 'Storage'],
  ['zeppelin'],
);

/** A page only callers in one of the `acl` groups may see. */
export function restricted(id: string, text: string, acl: string[]): Entity {
  return { id, url: `https://docs.example.test/${id}.html`, title: `Vacuum notes ${id}`, text, category: ['Internal'], tags: [], links: [], acl };
}

/** The manual with a page for team-a only and one for team-b only (words found on one page alone: quellanor, hobrinth). */
export const TENANT_DOCS: Entity[] = [
  ...DOCS,
  restricted('a-notes', 'Vacuum the orchard tables weekly. The quellanor job runs vacuum at night.', ['team-a']),
  restricted('b-notes', 'Vacuum the hobrinth tables daily. The hobrinth job runs vacuum at noon.', ['team-b']),
];

/** Sum of a counter's samples on `/metrics` whose labels contain every `label="value"` given (`headers`: e.g. a key). */
export async function counter(url: string, name: string, labels: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).some(([k, v]) => !line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface TestDb {
  schema: string;
  url: string;
  store: Store;
  pipeline: PipelineStore;
  dataDir: string;
  /** Stores `entities` in `collection` and builds and publishes a new index version; resolves to its number. */
  publish(collection: string, entities: Entity[]): Promise<number>;
  config(overrides?: Partial<GatewayConfig>): GatewayConfig;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL schema (dropped by `drop`) and a data directory for one suite. */
export async function testDb(prefix: string): Promise<TestDb> {
  const schema = `gw_${prefix}_${randomBytes(4).toString('hex')}`;
  const u = new URL(BASE_URL);
  u.searchParams.set('schema', schema);
  const url = u.toString();
  const store = await createStore({ databaseUrl: BASE_URL, schema });
  const pipeline = fromDbStore(store);
  const dataDir = await mkdtemp(path.join(tmpdir(), `lexigraph-gw-${prefix}-`));
  return {
    schema,
    url,
    store,
    pipeline,
    dataDir,
    async publish(collection, entities) {
      await pipeline.upsertDocuments(collection, entities.map((e) => ({ entity: e, hash: documentHash(e) })));
      const report = await buildIndex(pipeline, dataDir, collection);
      return report.version;
    },
    config(overrides = {}) {
      // Authentication off explicitly: these suites test answers; test/auth.spec.ts tests keys and tokens.
      return {
        databaseUrl: url,
        redisUrl: REDIS_URL,
        port: 0,
        host: '127.0.0.1',
        pollMs: 0,
        cacheSize: 100,
        auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] },
        rateLimit: { limit: 0, windowMs: 60_000 },
        ...overrides,
      };
    },
    async drop() {
      await store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parsed JSON as the assertions read it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary answer JSON
export type Json = any;

/** GETs a JSON document. */
export async function getJson(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

/** POSTs JSON (or a raw string) and returns the status and parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('application/json');
  return { status: res.status, body: json ? JSON.parse(text) : text };
}

/** Polls `probe` every 100 ms until it returns a value (not undefined); fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A free loopback port: nothing listens on it until something starts there. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP forwarder on 127.0.0.1:`port` to `target` (host and port of a URL): `cut()` closes the port and every
 * connection through it (the dependency "goes away" for whoever connects through the proxy), `restore()` listens
 * again ("it comes back").
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A proxy to the host and port of `url` (default port `defaultPort`), listening or not yet. */
  static async to(url: string, defaultPort: number, listening = true): Promise<TcpProxy> {
    const u = new URL(url);
    const proxy = new TcpProxy(await freePort(), { host: u.hostname, port: Number(u.port || defaultPort) });
    if (listening) await proxy.restore();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Builds an app's dist/main.js (`tsc -p tsconfig.build.json` in `appDir`) when it is missing or older than a file
 * of its src: tests that run a built app as a process of its own call it first.
 */
export function ensureBuilt(appDir: string): void {
  const main = path.join(appDir, 'dist', 'main.js');
  const newest = (d: string): number =>
    readdirSync(d, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(d, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  if (existsSync(main) && statSync(main).mtimeMs >= newest(path.join(appDir, 'src'))) return;
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: appDir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${appDir} failed: ${r.stdout}${r.stderr}`);
}
