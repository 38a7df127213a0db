import { DbError, IndexRepository, type DirectTransaction, type IndexTables, type Store } from '../src';
import { makeDoc } from './fixtures';

/** How a spec opens its store; `open` may be called again after `close` (re-open). */
export interface StoreHarness {
  open(): Promise<Store>;
  /** Expected Store.kind. */
  kind: Store['kind'];
  /**
   * A store on a database of its own, which no other session uses (space measurements must not depend on other
   * tests' free space or on other sessions holding back vacuum); `dispose` closes and removes it.
   */
  isolated(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

async function expectDbError(promise: Promise<unknown>, code: DbError['code']): Promise<DbError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DbError);
  expect((err as DbError).code).toBe(code);
  return err as DbError;
}

function bytesPattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const NO_TABLES: IndexTables = { lexicon: [], xembeddings: [], categories: [] };

/** A few rows of each SQL-readable table, distinct per `tag`. */
function tablesOf(tag: string): IndexTables {
  return {
    lexicon: [
      { token: `alpha-${tag}`, display: 'Alpha', count: 2, df: 1 },
      { token: `beta-${tag}`, display: 'Beta', count: 1, df: 1 },
    ],
    xembeddings: [{ token: `alpha-${tag}`, related: `beta-${tag}`, pmi: 0.5, nab: 1 }],
    categories: [{ token: `alpha-${tag}`, category: 'Docs', count: 1 }],
  };
}

/** The behaviour every store must have, whatever database backs it. */
export function storeSuite(harness: StoreHarness): void {
  let store: Store;

  beforeAll(async () => {
    store = await harness.open();
  });

  afterAll(async () => {
    await store?.close();
  });

  describe('migrations', () => {
    it('applies each migration once; re-opening is a no-op', async () => {
      expect(store.kind).toBe(harness.kind);
      expect(store.migrations.applied.length + store.migrations.skipped.length).toBeGreaterThan(0);
      const all = [...store.migrations.applied, ...store.migrations.skipped];

      await store.close();
      store = await harness.open();
      expect(store.migrations.applied).toEqual([]);
      expect(store.migrations.skipped).toEqual(all);

      const rows = await store.prisma.$queryRaw<{ name: string }[]>`
        SELECT name FROM _lexigraph_migrations ORDER BY name`;
      expect(rows.map((r) => r.name)).toEqual(all);
    });
  });

  describe('collections', () => {
    it('ensure is idempotent and keeps one row per name', async () => {
      const a = await store.collections.ensure('docs-a');
      const b = await store.collections.ensure('docs-a');
      expect(b.id).toBe(a.id);
      expect(b.name).toBe('docs-a');
      expect(a.config).toEqual({});
      const both = await Promise.all([store.collections.ensure('docs-b'), store.collections.ensure('docs-b')]);
      expect(both[0].id).toBe(both[1].id);
      const names = (await store.collections.list()).map((c) => c.name);
      expect(names.filter((n) => n === 'docs-a')).toHaveLength(1);
      expect(names).toEqual([...names].sort());
    });

    it('stores config when given and keeps it when omitted', async () => {
      const c = await store.collections.ensure('configured', { minPmi: 0.2, fields: ['title'] });
      expect(c.config).toEqual({ minPmi: 0.2, fields: ['title'] });
      expect((await store.collections.ensure('configured')).config).toEqual({ minPmi: 0.2, fields: ['title'] });
      expect((await store.collections.ensure('configured', { minPmi: 0.5 })).config).toEqual({ minPmi: 0.5 });
      expect((await store.collections.get('configured'))?.config).toEqual({ minPmi: 0.5 });
      expect((await store.collections.getById(c.id))?.name).toBe('configured');
    });

    it('get returns null for an unknown name; remove reports whether it removed', async () => {
      expect(await store.collections.get('nope')).toBeNull();
      await store.collections.ensure('short-lived');
      expect(await store.collections.remove('short-lived')).toBe(true);
      expect(await store.collections.remove('short-lived')).toBe(false);
      expect(await store.collections.get('short-lived')).toBeNull();
      await expectDbError(store.collections.ensure(''), 'INVALID_ARGUMENT');
    });
  });

  describe('documents', () => {
    let cid: string;
    beforeAll(async () => {
      cid = (await store.collections.ensure('documents')).id;
    });

    it('lists entities in keyset pages in bytewise id order, and the documents changed since a time', async () => {
      const pc = (await store.collections.ensure('paged')).id;
      const ids = ['b', 'B', 'a', 'a-1', 'ä', 'z', 'Z9'];
      await store.documents.upsertMany(pc, ids.map((id) => makeDoc(id)));
      const bytewise = [...ids].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1));
      const pages: string[][] = [];
      for await (const page of store.documents.entityPages(pc, 2)) pages.push(page.map((e) => e.id));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
      expect(pages.flat()).toEqual(bytewise);
      expect((await store.documents.listEntities(pc)).map((e) => e.id)).toEqual(bytewise);

      const t0 = await store.documents.now();
      expect(await store.documents.changesSince(pc, t0, 10)).toEqual({ upserts: [], deletes: [] });
      await store.documents.upsertMany(pc, [makeDoc('a', 200, 1), makeDoc('new')]);
      await store.documents.remove(pc, 'z');
      const changes = await store.documents.changesSince(pc, t0, 10);
      expect(changes?.upserts.map((e) => e.id)).toEqual(['a', 'new']);
      expect(changes?.upserts[0]).toEqual(makeDoc('a', 200, 1).entity);
      expect(changes?.deletes).toEqual(['z']);
      // more changes than the limit: null (the caller rebuilds)
      expect(await store.documents.changesSince(pc, t0, 2)).toBeNull();
      const after = (await store.documents.entityPages(pc, 3).next()).value as Array<{ id: string }>;
      expect(after.map((e) => e.id)).not.toContain('z');
    });

    // PostgreSQL's statistics views and ANALYZE; the embedded store plans its few rows without them
    (harness.kind === 'postgres' ? it : it.skip)('analyzes the documents when a bulk upload left their statistics behind, before reading pages', async () => {
      const bulk = (await store.collections.ensure('bulk-analyzed')).id;
      await store.documents.upsertMany(bulk, Array.from({ length: 400 }, (_, i) => makeDoc(`bulk-${i}`)));
      const analyzed = async () =>
        (await store.prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM pg_stat_user_tables WHERE relid = '"Document"'::regclass AND last_analyze IS NOT NULL`))[0]?.n;
      // the upload's counts reach the statistics views within a second or so of its commit
      let ok = false;
      for (let attempt = 0; attempt < 40 && !ok; attempt++) {
        let read = 0;
        for await (const page of store.documents.entityPages(bulk, 500)) read += page.length;
        expect(read).toBe(400);
        ok = Number(await analyzed()) === 1;
        if (!ok) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ok).toBe(true);
    });

    it('counts inserted, updated and unchanged documents', async () => {
      const docs = ['b', 'a', 'c'].map((id) => makeDoc(id));
      expect(await store.documents.upsertMany(cid, docs)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      expect(await store.documents.upsertMany(cid, docs)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });

      const next = [makeDoc('a'), makeDoc('b', 200, 1), makeDoc('c'), makeDoc('d')];
      expect(await store.documents.upsertMany(cid, next)).toEqual({ inserted: 1, updated: 1, unchanged: 2 });
      expect(await store.documents.count(cid)).toBe(4);

      const entities = await store.documents.listEntities(cid);
      expect(entities.map((e) => e.id)).toEqual(['a', 'b', 'c', 'd']);
      expect(entities[1]).toEqual(makeDoc('b', 200, 1).entity);

      const hashes = await store.documents.hashes(cid);
      expect(hashes.size).toBe(4);
      expect(hashes.get('b')).toBe(makeDoc('b', 200, 1).contentHash);

      const row = await store.prisma.document.findFirstOrThrow({ where: { collectionId: cid, externalId: 'b' } });
      expect(row.title).toBe('Page b r1');
      expect(row.fetchMeta).toMatchObject({ status: 200, contentType: 'text/html' });
    });

    it('keeps the last of duplicate ids in one call and strips NUL characters', async () => {
      const first = makeDoc('dup');
      const last = { ...makeDoc('dup', 100, 3), title: 'tab\u0000le' };
      expect(await store.documents.upsertMany(cid, [first, last])).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      const row = await store.prisma.document.findFirstOrThrow({ where: { collectionId: cid, externalId: 'dup' } });
      expect(row.contentHash).toBe(last.contentHash);
      expect(row.title).toBe('table');
      expect(await store.documents.upsertMany(cid, [])).toEqual({ inserted: 0, updated: 0, unchanged: 0 });
    });

    it('keeps a document removed with a tombstone deleted through plain upserts; an explicit one brings it back', async () => {
      const c3 = (await store.collections.ensure('tombstones')).id;
      await store.documents.upsertMany(c3, [makeDoc('kept'), makeDoc('buried')]);
      expect(await store.documents.remove(c3, 'buried', { tombstone: true })).toBe(true);
      // A crawl storing the page again (same or changed content): left deleted, and said so.
      expect(await store.documents.upsertMany(c3, [makeDoc('buried', 100, 2), makeDoc('kept')])).toEqual({ inserted: 0, updated: 0, unchanged: 1, tombstoned: 1 });
      expect((await store.documents.listEntities(c3)).map((e) => e.id)).toEqual(['kept']);
      // An upload of it (explicit) brings it back, and later plain upserts update it as usual.
      expect(await store.documents.upsertMany(c3, [makeDoc('buried', 100, 2)], { explicit: true })).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await store.documents.upsertMany(c3, [makeDoc('buried', 100, 3)])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await store.documents.count(c3)).toBe(2);
    });

    it('removes softly; a removed document disappears from reads and comes back on upsert', async () => {
      const c2 = (await store.collections.ensure('removal')).id;
      await store.documents.upsertMany(c2, [makeDoc('x'), makeDoc('y')]);
      expect(await store.documents.remove(c2, 'x')).toBe(true);
      expect(await store.documents.remove(c2, 'x')).toBe(false);
      expect(await store.documents.remove(c2, 'never')).toBe(false);
      expect(await store.documents.count(c2)).toBe(1);
      expect((await store.documents.listEntities(c2)).map((e) => e.id)).toEqual(['y']);
      expect([...(await store.documents.hashes(c2)).keys()]).toEqual(['y']);

      expect(await store.documents.upsertMany(c2, [makeDoc('x')])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await store.documents.count(c2)).toBe(2);

      await store.documents.remove(c2, 'y');
      expect(await store.documents.purgeDeleted(c2)).toBe(1);
      expect(await store.prisma.document.count({ where: { collectionId: c2 } })).toBe(1);
    });

    it('rejects bad input with typed errors', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      await expectDbError(store.documents.upsertMany(unknown, [makeDoc('a')]), 'NOT_FOUND');
      await expectDbError(store.documents.upsertMany('not-a-uuid', [makeDoc('a')]), 'INVALID_ARGUMENT');
      await expectDbError(store.documents.upsertMany(cid, [{ ...makeDoc('a'), externalId: '' }]), 'INVALID_ARGUMENT');
      // the entity itself is checked against the one entity schema, naming the field
      const wrong = makeDoc('typed');
      const err = await store.documents
        .upsertMany(cid, [{ ...wrong, entity: { ...wrong.entity, title: 3 } as unknown as typeof wrong.entity }])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbError);
      expect((err as DbError).code).toBe('INVALID_ARGUMENT');
      expect((err as DbError).message).toMatch(/"typed".*title: expected string, received number/);
      expect(await store.documents.count(unknown)).toBe(0);
    });

    it('deleting a collection deletes its documents', async () => {
      const c3 = (await store.collections.ensure('cascade-docs')).id;
      await store.documents.upsertMany(c3, [makeDoc('p'), makeDoc('q')]);
      await store.collections.remove('cascade-docs');
      expect(await store.prisma.document.count({ where: { collectionId: c3 } })).toBe(0);
    });

    it('upserts 1,200 documents with ~15 KB entities in batches, reporting inserted, updated and unchanged', async () => {
      const big = (await store.collections.ensure('bulk')).id;
      const docs = Array.from({ length: 1200 }, (_, i) => makeDoc(`doc-${String(i).padStart(4, '0')}`, 15_000));
      expect(JSON.stringify(docs[0]?.entity).length).toBeGreaterThan(15_000);

      expect(await store.documents.upsertMany(big, docs)).toEqual({ inserted: 1200, updated: 0, unchanged: 0 });

      const changed = docs.map((d, i) => (i % 10 === 0 ? makeDoc(d.externalId, 15_000, 1) : d));
      expect(await store.documents.upsertMany(big, changed)).toEqual({ inserted: 0, updated: 120, unchanged: 1080 });

      const entities = await store.documents.listEntities(big);
      expect(entities).toHaveLength(1200);
      expect(entities[10]).toEqual(changed[10]?.entity);
    });
  });

  describe('index versions', () => {
    let cid: string;
    beforeAll(async () => {
      cid = (await store.collections.ensure('indexes')).id;
    });

    it('numbers versions from 1 per collection, distinct under concurrency', async () => {
      expect(await store.indexes.latestVersionNumber(cid)).toBe(0);
      expect(await store.indexes.latestPublished(cid)).toBeNull();
      const v1 = await store.indexes.createVersion(cid);
      const v2 = await store.indexes.createVersion(cid);
      expect([v1.version, v2.version]).toEqual([1, 2]);
      const many = await Promise.all(Array.from({ length: 6 }, () => store.indexes.createVersion(cid)));
      expect(many.map((v) => v.version).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8]);
      expect(await store.indexes.latestVersionNumber(cid)).toBe(8);
      expect((await store.indexes.get(v1.id))?.status).toBe('building');

      const other = (await store.collections.ensure('indexes-other')).id;
      expect((await store.indexes.createVersion(other)).version).toBe(1);
    });

    it('publishes: data round-trips byte for byte, tables are readable with SQL, the previous one is superseded', async () => {
      const c = (await store.collections.ensure('publish')).id;
      const first = await store.indexes.createVersion(c);
      const data1 = bytesPattern(300_000, 1);
      data1.set([0, 255, 0, 0, 128], 0);
      const info = await store.indexes.publish(first.id, data1, { entities: 2, tokens: 3 }, {
        lexicon: [
          { token: 'vacuum', display: 'VACUUM', count: 4.5, df: 2 },
          { token: 'wal', display: 'WAL', count: 2, df: 1 },
          { token: 'vacuum~full', display: 'vacuum full', count: 1.25, df: 1 },
        ],
        xembeddings: [
          { token: 'vacuum', related: 'vacuum~full', pmi: 0.75, nab: 1 },
          { token: 'wal', related: 'vacuum', pmi: 0.1, nab: 0.5 },
        ],
        categories: [{ token: 'vacuum', category: 'Server Administration/Maintenance', count: 3 }],
      });
      expect(info).toMatchObject({ id: first.id, version: 1, status: 'published', stats: { entities: 2, tokens: 3 } });
      expect(info.publishedAt).toBeInstanceOf(Date);

      const latest = await store.indexes.latestPublished(c);
      expect(latest?.id).toBe(first.id);
      expect(latest?.version).toBe(1);
      expect(latest?.stats).toEqual({ entities: 2, tokens: 3 });
      expect(latest?.data).toBeInstanceOf(Uint8Array);
      expect(latest?.data.byteLength).toBe(data1.byteLength);
      expect(Buffer.compare(Buffer.from(latest!.data), Buffer.from(data1))).toBe(0);

      const lex = await store.prisma.$queryRaw<{ token: string; display: string; count: number; df: number }[]>`
        SELECT token, display, count, df FROM "LexiconEntry" WHERE "versionId" = ${first.id}::uuid
        ORDER BY token COLLATE "C"`;
      expect(lex).toEqual([
        { token: 'vacuum', display: 'VACUUM', count: 4.5, df: 2 },
        { token: 'vacuum~full', display: 'vacuum full', count: 1.25, df: 1 },
        { token: 'wal', display: 'WAL', count: 2, df: 1 },
      ]);
      const xe = await store.prisma.$queryRaw<{ related: string; pmi: number }[]>`
        SELECT related, pmi FROM "XEmbedding" WHERE "versionId" = ${first.id}::uuid AND token = 'vacuum'`;
      expect(xe).toEqual([{ related: 'vacuum~full', pmi: 0.75 }]);
      const cats = await store.prisma.$queryRaw<{ category: string; count: number }[]>`
        SELECT category, count FROM "TokenCategory" WHERE "versionId" = ${first.id}::uuid`;
      expect(cats).toEqual([{ category: 'Server Administration/Maintenance', count: 3 }]);

      const second = await store.indexes.createVersion(c);
      const data2 = new Uint8Array([9, 8, 7]);
      await store.indexes.publish(second.id, data2, { entities: 3 }, { lexicon: [], xembeddings: [], categories: [] });
      expect((await store.indexes.get(first.id))?.status).toBe('superseded');
      const now = await store.indexes.latestPublished(c);
      expect(now?.version).toBe(2);
      expect(Array.from(now!.data)).toEqual([9, 8, 7]);
      expect((await store.indexes.list(c)).map((v) => [v.version, v.status])).toEqual([
        [2, 'published'],
        [1, 'superseded'],
      ]);

      // The superseded version keeps its tables until the collection goes; then everything cascades.
      await store.collections.remove('publish');
      const left = await store.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM "LexiconEntry" WHERE "versionId" = ${first.id}::uuid`;
      expect(left[0]?.n).toBe(0);
    });

    it('refuses to publish twice, unknown ids, bad rows; a failed publish leaves no rows', async () => {
      const c = (await store.collections.ensure('publish-errors')).id;
      const v = await store.indexes.createVersion(c);
      const empty = { lexicon: [], xembeddings: [], categories: [] };

      const dup = {
        ...empty,
        lexicon: [
          { token: 'a', display: 'a', count: 1, df: 1 },
          { token: 'a', display: 'A', count: 2, df: 1 },
        ],
      };
      await expectDbError(store.indexes.publish(v.id, new Uint8Array([1]), {}, dup), 'CONFLICT');
      const after = await store.indexes.get(v.id);
      expect(after?.status).toBe('building');
      expect(await store.prisma.lexiconEntry.count({ where: { versionId: v.id } })).toBe(0);

      const nan = { ...empty, xembeddings: [{ token: 'a', related: 'b', pmi: Number.NaN, nab: 1 }] };
      await expectDbError(store.indexes.publish(v.id, new Uint8Array([1]), {}, nan), 'INVALID_ARGUMENT');

      await store.indexes.publish(v.id, new Uint8Array([1]), {}, empty);
      await expectDbError(store.indexes.publish(v.id, new Uint8Array([2]), {}, empty), 'INVALID_STATE');
      await expectDbError(
        store.indexes.publish('00000000-0000-4000-8000-000000000000', new Uint8Array([1]), {}, empty),
        'NOT_FOUND',
      );
      expect(Array.from((await store.indexes.latestPublished(c))!.data)).toEqual([1]);
    });

    it('commits the chunks through the driver ahead of the publish; a publish that fails leaves none', async () => {
      const c = (await store.collections.ensure('publish-direct')).id;
      // 30 copies of 1,000 random bytes: the 30 KB chunk of the default size compresses
      const block = bytesPattern(1000, 5);
      const data = new Uint8Array(30_000).map((_, i) => block[i % 1000] as number);
      const repos = [
        store.indexes,
        new IndexRepository(store.prisma, { chunkBytes: 1000, direct: store.direct }),
        // three connections taking the 30 chunks in turn (the embedded database runs their transactions one by one)
        new IndexRepository(store.prisma, { chunkBytes: 1000, direct: store.direct, writers: 3 }),
      ];
      for (const repo of repos) {
        const v = await repo.createVersion(c);
        const dup = { ...NO_TABLES, lexicon: [0, 1].map((i) => ({ token: 'a', display: 'a', count: i + 1, df: 1 })) };
        await expectDbError(repo.publish(v.id, data, {}, dup), 'CONFLICT');
        expect(await store.prisma.indexChunk.count({ where: { versionId: v.id } })).toBe(0);
        expect((await store.indexes.get(v.id))?.status).toBe('building');
        // tried again, it stores each chunk once and reads back byte for byte
        await repo.publish(v.id, data, {}, NO_TABLES);
        expect(Buffer.compare(Buffer.from(await store.indexes.readData(v.id)), Buffer.from(data))).toBe(0);
        // a version that is not building takes no chunk
        await expectDbError(repo.publish(v.id, new Uint8Array([9]), {}, NO_TABLES), 'INVALID_STATE');
        expect(Buffer.compare(Buffer.from(await store.indexes.readData(v.id)), Buffer.from(data))).toBe(0);
      }
      if (harness.kind === 'postgres') {
        // a server built with LZ4 compresses the stored index with it (the migration), else keeps pglz
        const [lz4] = await store.prisma.$queryRaw<{ has: boolean }[]>`
          SELECT 'lz4' = ANY (enumvals) AS has FROM pg_settings WHERE name = 'default_toast_compression'`;
        const methods = await store.prisma.$queryRaw<{ method: string | null }[]>`
          SELECT DISTINCT pg_column_compression(k.data) AS method FROM "IndexChunk" k
          JOIN "IndexVersion" v ON v.id = k."versionId" WHERE v."collectionId" = ${c}::uuid`;
        // (the 1,000-byte chunks are too small to be compressed at all)
        expect(methods.map((m) => m.method).filter(Boolean)).toEqual([lz4?.has ? 'lz4' : 'pglz']);
      }
    });

    it('stops every chunk writer when one fails, and leaves no chunk of the failed publish', async () => {
      const c = (await store.collections.ensure('publish-writers')).id;
      const data = bytesPattern(40_000, 7);
      // the 12th chunk insert fails, on whichever connection takes it
      let inserts = 0;
      const failing: DirectTransaction = (work) =>
        store.direct((query) =>
          work(async (sql, params) => {
            if (sql.includes('INSERT INTO "IndexChunk"') && ++inserts === 12) throw new Error('connection lost');
            return query(sql, params);
          }),
        );
      const repo = new IndexRepository(store.prisma, { chunkBytes: 1000, direct: failing, writers: 2 });
      const v = await repo.createVersion(c);
      await expect(repo.publish(v.id, data, {}, NO_TABLES)).rejects.toThrow(/connection lost/);
      // the other writer stopped at its next chunk: far fewer than the 40 chunks were tried
      expect(inserts).toBeLessThan(20);
      expect(await store.prisma.indexChunk.count({ where: { versionId: v.id } })).toBe(0);
      expect((await store.indexes.get(v.id))?.status).toBe('building');
      await repo.publish(v.id, data, {}, NO_TABLES);
      expect(Buffer.compare(Buffer.from(await store.indexes.readData(v.id)), Buffer.from(data))).toBe(0);
      expect(() => new IndexRepository(store.prisma, { writers: 0 })).toThrow(DbError);
    });

    it('fails a building version with its reason; a published one cannot fail', async () => {
      const c = (await store.collections.ensure('failing')).id;
      const v = await store.indexes.createVersion(c);
      await store.indexes.fail(v.id, 'tokenizer crashed');
      await store.indexes.fail(v.id, 'tokenizer crashed');
      const info = await store.indexes.get(v.id);
      expect(info).toMatchObject({ status: 'failed', error: 'tokenizer crashed', publishedAt: null });
      await expectDbError(
        store.indexes.publish(v.id, new Uint8Array(), {}, { lexicon: [], xembeddings: [], categories: [] }),
        'INVALID_STATE',
      );
      expect(await store.indexes.latestPublished(c)).toBeNull();

      const w = await store.indexes.createVersion(c);
      expect(w.version).toBe(2);
      await store.indexes.publish(w.id, new Uint8Array([5]), {}, { lexicon: [], xembeddings: [], categories: [] });
      await expectDbError(store.indexes.fail(w.id, 'late'), 'INVALID_STATE');
      await expectDbError(store.indexes.fail('00000000-0000-4000-8000-000000000000', 'x'), 'NOT_FOUND');
    });

    it('stamps publishedAt when the version becomes the published one, after its chunks, not when its transaction began', async () => {
      const c = (await store.collections.ensure('stamps')).id;
      const small = new IndexRepository(store.prisma, { chunkBytes: 1000 });
      const v = await small.createVersion(c);
      // docsAsOf of a full snapshot is the transaction's start; 200 chunk inserts come between it and the switch.
      const info = await small.publish(v.id, bytesPattern(200_000, 3), {}, NO_TABLES);
      expect(info.publishedAt).not.toBeNull();
      expect(info.docsAsOf).not.toBeNull();
      expect((info.publishedAt as Date).getTime()).toBeGreaterThan((info.docsAsOf as Date).getTime());
    });

    it('stores a multi-chunk index in chunks of the set size and reads it back byte for byte', async () => {
      const c = (await store.collections.ensure('chunks')).id;
      const small = new IndexRepository(store.prisma, { chunkBytes: 1000 });
      const data = bytesPattern(25_500, 7);
      const v = await small.createVersion(c);
      const info = await small.publish(v.id, data.subarray(0), { chunks: true }, NO_TABLES);
      expect(info.dataBytes).toBe(25_500);

      const chunks = await store.prisma.$queryRaw<{ seq: number; bytes: number }[]>`
        SELECT seq, octet_length(data)::int AS bytes FROM "IndexChunk" WHERE "versionId" = ${v.id}::uuid ORDER BY seq`;
      expect(chunks.map((r) => r.seq)).toEqual(Array.from({ length: 26 }, (_, i) => i));
      expect(chunks.slice(0, 25).every((r) => r.bytes === 1000)).toBe(true);
      expect(chunks[25]?.bytes).toBe(500);

      // Any reader concatenates whatever chunks a version has, whatever chunk size wrote them.
      for (const read of [await small.readData(v.id), await store.indexes.readData(v.id), (await store.indexes.latestPublished(c))!.data]) {
        expect(read.byteLength).toBe(data.byteLength);
        expect(Buffer.compare(Buffer.from(read), Buffer.from(data))).toBe(0);
      }

      // A view into a larger buffer is stored as the view's bytes; an empty index has no chunk and reads back empty.
      const w = await small.createVersion(c);
      await small.publish(w.id, data.subarray(999, 2001), {}, NO_TABLES);
      expect(Buffer.compare(Buffer.from(await store.indexes.readData(w.id)), Buffer.from(data.subarray(999, 2001)))).toBe(0);
      const e = await small.createVersion(c);
      await small.publish(e.id, new Uint8Array(0), {}, NO_TABLES);
      expect((await store.indexes.readData(e.id)).byteLength).toBe(0);
      expect(await store.prisma.indexChunk.count({ where: { versionId: e.id } })).toBe(0);

      // Given as its parts (a snapshot's header and sections), it is stored as their concatenation, in chunks of the
      // set size that span parts, and reads back byte for byte.
      const cuts = [0, 700, 701, 701, 3201, 4500, 25_500];
      const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
      const p = await small.createVersion(c);
      const pinfo = await small.publish(p.id, parts, {}, NO_TABLES);
      expect(pinfo.dataBytes).toBe(25_500);
      const pchunks = await store.prisma.$queryRaw<{ bytes: number }[]>`
        SELECT octet_length(data)::int AS bytes FROM "IndexChunk" WHERE "versionId" = ${p.id}::uuid ORDER BY seq`;
      expect(pchunks.map((r) => r.bytes)).toEqual([...Array.from({ length: 25 }, () => 1000), 500]);
      expect(Buffer.compare(Buffer.from(await store.indexes.readData(p.id)), Buffer.from(data))).toBe(0);

      // Building versions hold no data; a lost chunk is reported, not read as shorter data.
      const b = await small.createVersion(c);
      await expectDbError(store.indexes.readData(b.id), 'NOT_FOUND');
      await store.prisma.$executeRaw`DELETE FROM "IndexChunk" WHERE "versionId" = ${v.id}::uuid AND seq = 3`;
      const damaged = await expectDbError(store.indexes.readData(v.id), 'INTERNAL');
      expect(damaged.message).toContain('chunk 3');
      expect(() => new IndexRepository(store.prisma, { chunkBytes: 0 })).toThrow(DbError);
    });

    it('retention keeps the published version and the newest superseded ones, with their chunks and rows', async () => {
      const c = (await store.collections.ensure('retention')).id;
      const small = new IndexRepository(store.prisma, { chunkBytes: 4096 });
      // An old failure (inside the window at first), a build in progress (never removed).
      const failedEarly = await small.createVersion(c);
      await small.fail(failedEarly.id, 'early failure');
      const ids: string[] = [];
      for (let i = 1; i <= 10; i++) {
        const v = await small.createVersion(c);
        ids.push(v.id);
        await small.publish(v.id, bytesPattern(10_000 + i, i), { i }, tablesOf(String(i)));
        await small.prune(c, 3);
      }
      const running = await small.createVersion(c);
      const failedLate = await small.createVersion(c);
      await small.fail(failedLate.id, 'late failure');
      expect(await small.prune(c, 3)).toEqual([]);

      const versions = await store.indexes.list(c);
      expect(versions.map((v) => [v.version, v.status])).toEqual([
        [13, 'failed'],
        [12, 'building'],
        [11, 'published'],
        [10, 'superseded'],
        [9, 'superseded'],
      ]);
      const kept = ids.slice(-3);
      const count = async (table: string) =>
        (await store.prisma.$queryRawUnsafe<{ versionId: string; n: number }[]>(
          `SELECT "versionId"::text AS "versionId", count(*)::int AS n FROM "${table}" v
           JOIN "IndexVersion" iv ON iv.id = v."versionId" WHERE iv."collectionId" = $1::uuid
           GROUP BY "versionId" ORDER BY "versionId"`,
          c,
        )).map((r) => [r.versionId, r.n]);
      const expected = (n: number) => [...kept].sort().map((id) => [id, n]);
      expect(await count('IndexChunk')).toEqual(expected(3));
      expect(await count('LexiconEntry')).toEqual(expected(2));
      expect(await count('XEmbedding')).toEqual(expected(1));
      expect(await count('TokenCategory')).toEqual(expected(1));
      for (const [i, id] of kept.entries()) {
        const n = 8 + i;
        expect(Buffer.compare(Buffer.from(await store.indexes.readData(id)), Buffer.from(bytesPattern(10_000 + n, n)))).toBe(0);
      }
      expect((await store.indexes.latestPublished(c))?.version).toBe(11);

      // Retention 1 keeps the published version only; the building one stays, the failure older than it goes.
      const removed = await small.prune(c, 1);
      expect(removed.map((r) => [r.version, r.status])).toEqual([
        [9, 'superseded'],
        [10, 'superseded'],
      ]);
      expect((await store.indexes.list(c)).map((v) => v.version)).toEqual([13, 12, 11]);
      expect((await store.indexes.get(running.id))?.status).toBe('building');
      await expectDbError(small.prune(c, 0), 'INVALID_ARGUMENT');

      // Nothing published: failures are all the history there is, and stay.
      const lonely = (await store.collections.ensure('retention-failed')).id;
      const f = await small.createVersion(lonely);
      await small.fail(f.id, 'x');
      expect(await small.prune(lonely, 1)).toEqual([]);
    });

    it('the database stays bounded over 20 publishes of one collection with retention 3', async () => {
      const own = await harness.isolated();
      const db = own.store;
      try {
        const c = (await db.collections.ensure('bounded')).id;
        const small = new IndexRepository(db.prisma, { chunkBytes: 64 * 1024 });
        const lexicon = (i: number) =>
          Array.from({ length: 2000 }, (_, k) => ({ token: `token-${i}-${k}`, display: `Token ${k}`, count: k + 1, df: 1 }));
        const size = async () => {
          const rows = await db.prisma.$queryRaw<{ bytes: number }[]>`
            SELECT (pg_total_relation_size('"IndexVersion"') + pg_total_relation_size('"IndexChunk"')
              + pg_total_relation_size('"LexiconEntry"') + pg_total_relation_size('"XEmbedding"')
              + pg_total_relation_size('"TokenCategory"'))::float8 AS bytes`;
          return rows[0]!.bytes;
        };
        const before = await size();
        const publish = async (i: number) => {
          const v = await small.createVersion(c);
          // Random bytes do not compress: each version takes its full size on disk.
          await small.publish(v.id, bytesPattern(1_000_000, 100 + i), {}, { ...NO_TABLES, lexicon: lexicon(i) });
          await small.prune(c, 3);
        };
        await publish(1);
        const one = (await size()) - before;
        for (let i = 2; i <= 20; i++) await publish(i);
        const twenty = (await size()) - before;
        expect((await db.indexes.list(c)).length).toBe(3);
        // Without retention the tables would hold 20 versions, 20 times one. Retained, they hold 3 plus the one written
        // before the oldest goes (4 times one, measured), and the space of removed versions is reused. The margin
        // above that is for emptied index pages, which PostgreSQL recycles only once no transaction on the server
        // (in any database) is older than their deletion: a long one elsewhere keeps them a while.
        expect(twenty).toBeLessThan(one * 7);
      } finally {
        await own.dispose();
      }
    });

    it('fails versions left building longer than the grace period, and only those', async () => {
      const c = (await store.collections.ensure('stale')).id;
      const old = await store.indexes.createVersion(c);
      const fresh = await store.indexes.createVersion(c);
      await store.prisma.$executeRaw`
        UPDATE "IndexVersion" SET "createdAt" = now() - interval '2 hours' WHERE id = ${old.id}::uuid`;
      const failed = await store.indexes.failStale(60 * 60_000, 'left building by a stopped indexer');
      expect(failed).toEqual([{ id: old.id, collectionId: c, version: old.version, status: 'failed' }]);
      expect(await store.indexes.get(old.id)).toMatchObject({ status: 'failed', error: 'left building by a stopped indexer' });
      expect((await store.indexes.get(fresh.id))?.status).toBe('building');
      // The sweep covers every collection (other tests left builds behind too).
      const swept = await store.indexes.failStale(0, 'swept');
      expect(swept.filter((v) => v.collectionId === c).map((v) => v.id)).toEqual([fresh.id]);
      await expectDbError(store.indexes.failStale(-1, 'x'), 'INVALID_ARGUMENT');
    });
  });
}
