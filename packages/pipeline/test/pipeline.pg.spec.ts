import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeDelta, dedupeEntities, LexIndex, type Entity } from '@lexigraph/core';
import { createStore, type Store } from '@lexigraph/db';
import {
  InProcessRunner,
  batchingStore,
  buildIndex,
  createHandlers,
  distill,
  fromDbStore,
  ingestSource,
  streamSource,
  loadIndex,
  readManifest,
  type CrawlPageResult,
  type PipelineStore,
} from '../src';

/** Every entity of a collection, read through the store's pages. */
async function listEntities(s: PipelineStore, collection: string): Promise<Entity[]> {
  const out: Entity[] = [];
  for await (const page of s.entityPages(collection)) out.push(...page);
  return out;
}

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const FIXTURE = path.join(__dirname, 'fixtures', 'docs.jsonl');
const SCHEMA = `pipeline_${process.pid}_${Date.now().toString(36)}`;

const PAGES: Record<string, string> = {
  '/': `<html><head><title>Garden handbook</title></head><body><h1>Garden handbook</h1>
    <p>Start with <a href="/soil.html">soil preparation</a>, then <a href="/compost.html">composting</a>.</p>
    <p><a href="/private/secret.html">staff notes</a></p></body></html>`,
  '/soil.html': `<html><head><title>Soil preparation</title></head><body><h1>Soil preparation</h1>
    <p>Loosen clay soil with a fork and mix in compost before planting tomatoes.</p>
    <p>Test the soil acidity each spring; most vegetables like a slightly acid soil.</p>
    <a href="/compost.html">composting</a></body></html>`,
  '/compost.html': `<html><head><title>Composting</title></head><body><h1>Composting</h1>
    <p>A compost heap turns kitchen scraps and leaves into humus within a year.</p>
    <p>Turn the compost heap monthly so air reaches the middle.</p>
    <a href="/soil.html">soil preparation</a></body></html>`,
  '/private/secret.html': `<html><head><title>Secret</title></head><body><p>Do not index the staff notes.</p></body></html>`,
};

function startSite(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const body = PAGES[new URL(req.url ?? '/', 'http://x').pathname];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

describe('pipeline on PostgreSQL', () => {
  let db: Store;
  let store: PipelineStore;
  let dataDir: string;

  beforeAll(async () => {
    db = await createStore({ databaseUrl: DATABASE_URL, schema: SCHEMA });
    store = fromDbStore(db);
    dataDir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-pipeline-'));
  });

  afterAll(async () => {
    if (db) {
      await db.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      await db.close();
    }
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('stores a file read in batches as it stores the same entities given as a list, duplicates included', async () => {
    const words = (i: number) => Array.from({ length: 120 }, (_, j) => `w${i}x${j}`).join(' ');
    const entities: Entity[] = Array.from({ length: 2600 }, (_, i) => ({ id: `d${String(i).padStart(4, '0')}`, title: `Doc ${i}`, text: words(i), category: [], tags: [], links: [] }));
    // an exact copy within the first batch, one in a later batch, and a near copy across batches
    entities.splice(50, 0, { ...(entities[3] as Entity), id: 'copy-early' });
    entities.push({ ...(entities[10] as Entity), id: 'copy-late' });
    entities.splice(2100, 0, { ...(entities[5] as Entity), id: 'near-late', text: (entities[5] as Entity).text.replace('w5x60 ', 'changed ') });
    const file = path.join(dataDir, 'batches.jsonl');
    await fs.writeFile(file, entities.map((e) => JSON.stringify(e)).join('\n'));
    const crawl = { seeds: [], include: [], exclude: [], maxDepth: 8, maxPages: 10, allowPrivate: false, allowHosts: [] };
    for (const name of ['from-list', 'from-file']) await store.ensureCollection(name, { name, crawl, defaults: {} });
    const stream = await streamSource({ source: file, streamAboveBytes: 0 });
    if (!stream) throw new Error('expected a stream');
    const progress: Array<[number, number]> = [];
    const batched = await distill(store, 'from-file', stream.batches, (d, t) => progress.push([d, t]));
    const listed = await distill(store, 'from-list', entities);
    expect(batched).toEqual(listed);
    expect(batched).toMatchObject({ received: 2603, kept: 2600, inserted: 2600 });
    expect(batched.dropped.map((d) => [d.id, d.duplicateOf, d.kind])).toEqual([
      ['copy-early', 'd0003', 'exact'],
      ['near-late', 'd0005', 'near'],
      ['copy-late', 'd0010', 'exact'],
    ]);
    expect(progress.at(-1)).toEqual([2600, 0]);
    expect(await store.documentHashes('from-file')).toEqual(await store.documentHashes('from-list'));
  });

  it('ingests a JSONL file, reports bad lines by number, stores, builds, publishes and loads', async () => {
    const report = await ingestSource({ source: FIXTURE });
    expect(report.format).toBe('jsonl');
    expect(report.badLines.map((b) => b.line)).toEqual([4, 8]);
    expect(report.entities).toHaveLength(8);

    await store.ensureCollection('kb', { name: 'kb', crawl: { seeds: [], include: [], exclude: [], maxDepth: 8, maxPages: 10, allowPrivate: false, allowHosts: [] }, defaults: {} });
    const first = await distill(store, 'kb', report.entities);
    expect(first).toMatchObject({ received: 8, kept: 8, inserted: 8, updated: 0, unchanged: 0 });
    // Idempotent: the same input writes nothing.
    const again = await distill(store, 'kb', report.entities);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 8 });
    expect(await store.countDocuments('kb')).toBe(8);
    // A changed address (not part of the engine's content hash) is still stored again.
    const moved = report.entities.map((e) => (e.id === 'wal' ? { ...e, url: 'https://docs.example.org/v2/wal.html' } : e));
    expect(await distill(store, 'kb', moved)).toMatchObject({ inserted: 0, updated: 1, unchanged: 7 });
    expect((await listEntities(store, 'kb')).find((e) => e.id === 'wal')?.url).toBe('https://docs.example.org/v2/wal.html');

    const built = await buildIndex(store, dataDir, 'kb');
    expect(built.entities).toBe(8);
    expect(built.version).toBeGreaterThanOrEqual(1);
    expect(built.bytes).toBeGreaterThan(0);
    const manifest = await readManifest(dataDir, 'kb');
    expect(manifest).toMatchObject({ version: built.version, file: `kb.v${built.version}.lxg` });

    // Fast path: from the snapshot, never touching the store.
    const openStore = jest.fn(async () => store);
    const fast = await loadIndex({ dataDir, collection: 'kb', openStore });
    expect(fast.source).toBe('snapshot');
    expect(openStore).not.toHaveBeenCalled();
    const hits = fast.index.search('vacuum freeze wraparound');
    expect(hits[0]?.id).toBe('vacuum');

    // A missing file is rebuilt from the database, which stays the source of truth.
    await fs.rm(path.join(dataDir, 'indexes', `kb.v${built.version}.lxg`));
    const slow = await loadIndex({ dataDir, collection: 'kb', openStore });
    expect(slow.source).toBe('database');
    expect(slow.version).toBe(built.version);
    expect(slow.index.search('partial index predicate')[0]?.id).toBe('index-partial');
    expect((await fs.readdir(path.join(dataDir, 'indexes'))).sort()).toEqual(['kb.json', `kb.v${built.version}.lxg`]);
  });

  it('10 publishes with retention 3 leave 3 versions with their chunks and rows, and 3 snapshot files', async () => {
    const report = await ingestSource({ source: FIXTURE });
    const published: number[] = [];
    for (let round = 1; round <= 10; round++) {
      // Each round changes one page, so every version differs from the one before.
      const entities = report.entities.map((e) => (e.id === 'wal' ? { ...e, text: `${e.text} Round ${round} of checkpoints.` } : e));
      await distill(store, 'retained', entities);
      const built = await buildIndex(store, dataDir, 'retained', { retainVersions: 3, full: true, sqlTables: true });
      published.push(built.version);
      expect(built.removedVersions).toEqual(round > 3 ? [built.version - 3] : []);
    }
    const id = (await db.collections.get('retained'))!.id;
    const versions = await db.indexes.list(id);
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [published[9], 'published'],
      [published[8], 'superseded'],
      [published[7], 'superseded'],
    ]);
    const perVersion = async (table: string) =>
      (
        await db.prisma.$queryRawUnsafe<{ version: number; n: number }[]>(
          `SELECT iv.version, count(t.*)::int AS n FROM "IndexVersion" iv LEFT JOIN "${table}" t ON t."versionId" = iv.id
           WHERE iv."collectionId" = $1::uuid GROUP BY iv.version ORDER BY iv.version`,
          id,
        )
      ).map((r) => r.version);
    for (const table of ['IndexChunk', 'LexiconEntry', 'XEmbedding', 'TokenCategory']) {
      expect(await perVersion(table)).toEqual(published.slice(7));
    }
    const orphans = await db.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "IndexChunk" c WHERE NOT EXISTS (SELECT 1 FROM "IndexVersion" v WHERE v.id = c."versionId")`,
    );
    expect(orphans[0]?.n).toBe(0);
    for (const v of versions) {
      expect((await db.indexes.get(v.id))?.dataBytes).toBe((await db.indexes.readData(v.id)).byteLength);
    }
    const files = (await fs.readdir(path.join(dataDir, 'indexes'))).filter((f) => f.startsWith('retained.')).sort();
    expect(files).toEqual(['retained.json', ...published.slice(7).map((v) => `retained.v${v}.lxg`)].sort());
    expect(await readManifest(dataDir, 'retained')).toMatchObject({ version: published[9] });
  });

  it('publishes a change as a delta whose chain opens to the tables and answers of a full build; retention keeps chains', async () => {
    const { entities } = await ingestSource({ source: FIXTURE });
    const policy = { overlapMs: 0 };
    await distill(store, 'deltas', entities);
    const v1 = await buildIndex(store, dataDir, 'deltas', { retainVersions: 2, delta: policy });
    expect(v1.kind).toBe('full');
    const [first, second] = entities as [Entity, Entity];
    const changed = { ...first, text: `${first.text} Zanzibar checkpoints flush the write-ahead log.` };
    const added = { ...second, id: 'added-page', url: 'http://docs.test/added', title: 'Added page', text: 'Quokka tuning of autovacuum thresholds.' };
    await distill(store, 'deltas', [changed, added]);
    expect(await store.removeDocument('deltas', second.id)).toBe(true);
    const v2 = await buildIndex(store, dataDir, 'deltas', { retainVersions: 2, delta: policy });
    expect(v2.kind).toBe('delta');
    expect(v2.delta).toEqual({ upserts: 2, deletes: 1, parentVersion: v1.version, baseVersion: v1.version });
    expect(v2.bytes).toBeLessThan(v1.bytes / 4);

    const live = [changed, added, ...entities.filter((e) => e.id !== first.id && e.id !== second.id)];
    const fresh = LexIndex.build(dedupeEntities(live).kept);
    const same = (idx: LexIndex) => {
      expect(idx.exportTables({ allTerms: true })).toEqual(fresh.exportTables({ allTerms: true }));
      for (const q of ['zanzibar checkpoints', 'quokka autovacuum', 'write-ahead log', first.title, second.title]) {
        expect(idx.search(q, { k: 10 })).toEqual(fresh.search(q, { k: 10 }));
      }
    };
    const fromFiles = await loadIndex({ dataDir, collection: 'deltas', openStore: async () => store });
    expect(fromFiles).toMatchObject({ version: v2.version, source: 'snapshot' });
    same(fromFiles.index);
    expect((await readManifest(dataDir, 'deltas'))?.chain).toEqual([`deltas.v${v1.version}.lxg`, `deltas.v${v2.version}.lxg`]);
    for (const f of await fs.readdir(path.join(dataDir, 'indexes'))) if (f.startsWith('deltas.')) await fs.rm(path.join(dataDir, 'indexes', f));
    const fromDb = await loadIndex({ dataDir, collection: 'deltas', openStore: async () => store });
    expect(fromDb).toMatchObject({ version: v2.version, source: 'database' });
    same(fromDb.index);

    // three more deltas with retention 2: the chain back to its full snapshot stays
    for (let round = 1; round <= 3; round++) {
      await distill(store, 'deltas', [{ ...added, text: `${added.text} Round ${round}.` }]);
      expect((await buildIndex(store, dataDir, 'deltas', { retainVersions: 2, delta: policy })).kind).toBe('delta');
    }
    const id = (await db.collections.get('deltas'))!.id;
    const kept = async () => (await db.indexes.list(id)).map((v) => v.version).sort((a, b) => a - b);
    expect(await kept()).toEqual([v1.version, v2.version, v2.version + 1, v2.version + 2, v2.version + 3]);
    expect((await loadIndex({ dataDir, collection: 'deltas', openStore: async () => store })).index.search('round 3')[0]?.id).toBe('added-page');
    // a chain at its longest is merged into a new full snapshot; the old chain then goes
    await distill(store, 'deltas', [{ ...added, text: `${added.text} Merged.` }]);
    const merged = await buildIndex(store, dataDir, 'deltas', { retainVersions: 1, delta: { ...policy, maxChain: 3 } });
    expect(merged.kind).toBe('full');
    expect(await kept()).toEqual([merged.version]);
    // the merge carries the delta from the version it replaced, for readers that hold that one
    const info = (await db.indexes.list(id))[0]!;
    expect(info).toMatchObject({ kind: 'full', hasBridge: true, parentVersion: merged.version - 1 });
    const bridge = decodeDelta((await db.indexes.readBridge(info.id))!);
    expect(bridge.upserts.map((e) => e.id)).toEqual(['added-page']);
    expect((await fs.readdir(path.join(dataDir, 'indexes'))).filter((f) => f.startsWith('deltas.')).sort()).toEqual([
      'deltas.json',
      `deltas.v${merged.version}.lxg`,
    ]);
  });

  it('50 publishes of one added document each keep the database within 1.2x of the first publish and the documents added', async () => {
    // a deterministic corpus of 3,000 entities of ~700 characters
    let seed = 7;
    const rand = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const vocabulary = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);
    const sentence = () => Array.from({ length: 12 }, () => vocabulary[Math.floor(rand() * rand() * vocabulary.length)]).join(' ') + '.';
    const doc = (id: string): Entity => ({ id, title: sentence(), text: Array.from({ length: 8 }, sentence).join(' '), category: [], tags: [], links: [] });
    await distill(store, 'bounded', Array.from({ length: 3000 }, (_, i) => doc(`d${i}`)));
    const sizes = async () => {
      const rows = await db.prisma.$queryRawUnsafe<{ total: number; docs: number }[]>(
        `SELECT (pg_total_relation_size('"IndexVersion"') + pg_total_relation_size('"IndexChunk"') + pg_total_relation_size('"Document"')
           + pg_total_relation_size('"LexiconEntry"') + pg_total_relation_size('"XEmbedding"') + pg_total_relation_size('"TokenCategory"'))::float8 AS total,
           pg_total_relation_size('"Document"')::float8 AS docs`,
      );
      return rows[0]!;
    };
    // the tables are shared with the other tests of this file: measure this collection's growth
    const start = await sizes();
    const first = await buildIndex(store, dataDir, 'bounded');
    expect(first.kind).toBe('full');
    const afterFirst = await sizes();
    for (let i = 1; i < 50; i++) {
      await distill(store, 'bounded', [doc(`added-${i}`)]);
      const built = await buildIndex(store, dataDir, 'bounded');
      expect(built.kind).toBe('delta');
      expect(built.delta).toMatchObject({ upserts: 1, deletes: 0 });
    }
    const end = await sizes();
    const firstPublish = afterFirst.total - start.total;
    const documentsAdded = end.docs - afterFirst.docs;
    const ratio = (end.total - start.total) / (firstPublish + documentsAdded);
    expect(ratio).toBeLessThanOrEqual(1.2);
    const loaded = await loadIndex({ dataDir, collection: 'bounded', openStore: async () => store });
    expect(loaded.index.size).toBe(3049);
  }, 120_000);

  it('index.publish rewrites the snapshot of the latest version; distill.entity checks one stored document', async () => {
    const runner = new InProcessRunner(createHandlers({ store, dataDir }));
    const before = await readManifest(dataDir, 'kb');
    expect(before).not.toBeNull();
    await fs.rm(path.join(dataDir, 'indexes'), { recursive: true });
    const records = await runner.run({ name: 'index.publish', data: { collection: 'kb', versionId: String(before?.version) } });
    expect(records[0]?.result).toMatchObject({ version: before?.version, file: before?.file });
    expect(await readManifest(dataDir, 'kb')).toMatchObject({ version: before?.version });

    const checked = await runner.run({ name: 'distill.entity', data: { collection: 'kb', documentId: 'vacuum' } });
    expect(checked[0]?.result).toEqual({ changed: false });
    // A document deleted since its page was stored (or never stored) leaves nothing to distill: done, said so.
    const ghost = await runner.run({ name: 'distill.entity', data: { collection: 'kb', documentId: 'ghost' } });
    expect(ghost[0]?.result).toEqual({ changed: false, deleted: true });
  });

  it('a publish that fails takes back the file it wrote meanwhile; the published version, its manifest and files stay', async () => {
    const before = await readManifest(dataDir, 'kb');
    expect(before).not.toBeNull();
    const dir = path.join(dataDir, 'indexes');
    const filesBefore = (await fs.readdir(dir)).sort();
    let tried = 0;
    const failing: PipelineStore = {
      ...store,
      publishIndex: async (_collection, ref) => {
        tried = ref.version;
        // the file of the version is written while the database stores it: fail once it is there
        const file = path.join(dir, `kb.v${ref.version}.lxg`);
        const until = Date.now() + 10_000;
        while (!(await fs.stat(file).catch(() => null)) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        expect((await fs.stat(file)).size).toBeGreaterThan(0);
        throw new Error('connection lost');
      },
    };
    await expect(buildIndex(failing, dataDir, 'kb', { full: true })).rejects.toThrow('connection lost');
    expect(tried).toBeGreaterThan(before?.version ?? 0);
    expect((await fs.readdir(dir)).sort()).toEqual(filesBefore);
    expect(await readManifest(dataDir, 'kb')).toEqual(before);
    expect((await store.latestPublished('kb'))?.version).toBe(before?.version);
    const loaded = await loadIndex({ dataDir, collection: 'kb', openStore: async () => store });
    expect(loaded.version).toBe(before?.version);
  });

  it('refuses to build an empty collection and to load an unknown one', async () => {
    await store.ensureCollection('empty', { name: 'empty', crawl: { seeds: [], include: [], exclude: [], maxDepth: 1, maxPages: 1, allowPrivate: false, allowHosts: [] }, defaults: {} });
    await expect(buildIndex(store, dataDir, 'empty')).rejects.toMatchObject({ code: 'EMPTY_COLLECTION' });
    await expect(loadIndex({ dataDir, collection: 'empty', openStore: async () => store })).rejects.toMatchObject({ code: 'NO_INDEX' });
    await expect(loadIndex({ dataDir, collection: 'nope', openStore: async () => store })).rejects.toMatchObject({
      code: 'UNKNOWN_COLLECTION',
      message: expect.stringContaining('"nope"'),
    });
  });

  it('crawls a loopback site through the crawl.fetch job, honouring exclude and allowPrivate', async () => {
    const site = await startSite();
    try {
      const runner = new InProcessRunner(createHandlers({ store, dataDir }));
      const seed = site.url;

      await store.ensureCollection('garden-closed', {
        name: 'garden-closed',
        crawl: { seeds: [seed], include: [], exclude: [], maxDepth: 3, maxPages: 10, allowPrivate: false, allowHosts: [] },
        defaults: {},
      });
      // Loopback refused unless the collection allows it: nothing stored, so no build is asked for.
      const refused = await runner.run({ name: 'crawl.fetch', data: { collection: 'garden-closed', url: seed, depth: 0, sourceId: 's0' } });
      expect(refused.map((r) => r.job.name)).toEqual(['crawl.fetch']);
      expect(refused[0]?.result).toMatchObject({ status: 'skipped', reason: 'private-address' });
      await expect(buildIndex(store, dataDir, 'garden-closed')).rejects.toMatchObject({ code: 'EMPTY_COLLECTION' });

      await store.ensureCollection('garden', {
        name: 'garden',
        crawl: { seeds: [seed], include: [], exclude: ['/private/'], maxDepth: 3, maxPages: 10, allowPrivate: true, allowHosts: [] },
        defaults: {},
      });
      const records = await runner.run({ name: 'crawl.fetch', data: { collection: 'garden', url: seed, depth: 0, sourceId: 's1' } });
      // One crawl.fetch per page (each URL once although pages link each other), a distill per stored page, one build.
      const names = records.map((r) => r.job.name);
      expect(names.filter((n) => n === 'crawl.fetch')).toHaveLength(3);
      expect(names.filter((n) => n === 'distill.entity')).toHaveLength(3);
      expect(names.filter((n) => n === 'index.build')).toHaveLength(1);
      expect(names[names.length - 1]).toBe('index.build');
      const pages = records.filter((r) => r.job.name === 'crawl.fetch').map((r) => r.result as CrawlPageResult);
      expect(pages.every((p) => p.status === 'stored')).toBe(true);
      expect(pages.flatMap((p) => p.skipped).some((s) => s.url.includes('/private/') && s.reason === 'excluded')).toBe(true);
      const entities = await listEntities(store, 'garden');
      expect(entities.some((e) => e.url?.includes('secret'))).toBe(false);

      const { index } = await loadIndex({ dataDir, collection: 'garden', openStore: async () => store });
      const answer = index.ask('compost heap');
      expect(answer.results[0]?.url).toContain('/compost.html');
    } finally {
      await new Promise((resolve) => site.server.close(resolve));
    }
  });
  it('batchingStore: the same crawl written in batches stores the same documents, with per-page counts', async () => {
    const site = await startSite();
    try {
      const crawl = { seeds: [site.url], include: [], exclude: ['/private/'], maxDepth: 3, maxPages: 10, allowPrivate: true, allowHosts: [] };
      for (const name of ['plain', 'batched']) await store.ensureCollection(name, { name, crawl, defaults: {} });
      const run = async (name: string, s: PipelineStore) =>
        new InProcessRunner(createHandlers({ store: s, dataDir, buildAfterIngest: false }), { concurrency: 3 }).run({
          name: 'crawl.fetch',
          data: { collection: name, url: site.url, depth: 0, sourceId: name },
        });
      await run('plain', store);
      const buffered = batchingStore(store, 2);
      const records = await run('batched', buffered);
      await buffered.flush();
      const counts = records.filter((r) => r.job.name === 'crawl.fetch').map((r) => (r.result as CrawlPageResult).counts.inserted);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
      const ids = (entities: { id: string }[]) => entities.map((e) => e.id);
      expect(ids(await listEntities(store, 'batched'))).toEqual(ids(await listEntities(store, 'plain')));
      expect(await store.documentHashes('batched')).toEqual(await store.documentHashes('plain'));
      // what a scheduled re-crawl revisits: every stored page with its url and fetch metadata (depth included)
      const fetched = await store.listFetched('batched');
      expect(fetched.map((f) => f.url).sort()).toEqual([site.url, `${site.url}compost.html`, `${site.url}soil.html`].sort());
      expect(fetched.find((f) => f.url === site.url)?.fetchMeta).toMatchObject({ status: 200, depth: 0, contentType: 'text/html' });
    } finally {
      await new Promise((resolve) => site.server.close(resolve));
    }
  });
});
