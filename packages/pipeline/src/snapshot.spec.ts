import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeDelta, LexIndex, openChain } from '@lexigraph/core';
import { manifestPath, readManifest, readSnapshotChain, writeSnapshot } from './snapshot';

describe('snapshot files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-snap-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the index file and a manifest pointing at it, and keeps the newest files up to the retention', async () => {
    await writeSnapshot(dir, 'docs', 1, new Uint8Array([1, 2, 3]), new Date('2026-01-01T00:00:00Z'), 1);
    const m2 = await writeSnapshot(dir, 'docs', 2, new Uint8Array([4, 5]), new Date('2026-01-02T00:00:00Z'), 1);
    expect(m2).toEqual({ collection: 'docs', version: 2, file: 'docs.v2.lxg', chain: ['docs.v2.lxg'], publishedAt: '2026-01-02T00:00:00.000Z', bytes: 2 });
    const read = await readManifest(dir, 'docs');
    expect(read).toEqual(m2);
    expect(((await readSnapshotChain(dir, m2)) ?? []).map((b) => Array.from(b as Uint8Array))).toEqual([[4, 5]]);
    const files = (await fs.readdir(path.join(dir, 'indexes'))).sort();
    expect(files).toEqual(['docs.json', 'docs.v2.lxg']);
  });

  it('keeps 3 files by default, by version number, always the one just written', async () => {
    for (const v of [1, 2, 9, 10, 11]) await writeSnapshot(dir, 'docs', v, new Uint8Array([v]));
    const list = async () => (await fs.readdir(path.join(dir, 'indexes'))).sort();
    expect(await list()).toEqual(['docs.json', 'docs.v10.lxg', 'docs.v11.lxg', 'docs.v9.lxg']);
    // Rewriting an older version (a reader restoring a lost file) keeps it and the newest others.
    await writeSnapshot(dir, 'docs', 9, new Uint8Array([9]), new Date(), 2);
    expect(await list()).toEqual(['docs.json', 'docs.v11.lxg', 'docs.v9.lxg']);
    await expect(writeSnapshot(dir, 'docs', 12, new Uint8Array([12]), new Date(), 0)).rejects.toThrow(/retain/);
  });

  it('keeps other collections whose names share a prefix', async () => {
    await writeSnapshot(dir, 'docs-extra', 7, new Uint8Array([9]));
    await writeSnapshot(dir, 'docs.v2', 3, new Uint8Array([3]), new Date(), 1);
    await writeSnapshot(dir, 'docs', 1, new Uint8Array([1]), new Date(), 1);
    await writeSnapshot(dir, 'docs', 2, new Uint8Array([2]), new Date(), 1);
    expect((await fs.readdir(path.join(dir, 'indexes'))).sort()).toEqual([
      'docs-extra.json',
      'docs-extra.v7.lxg',
      'docs.json',
      'docs.v2.json',
      'docs.v2.lxg',
      'docs.v2.v3.lxg',
    ]);
  });

  it('chains a delta to the files of its parent, and keeps the whole chain whatever the retention', async () => {
    await writeSnapshot(dir, 'docs', 1, new Uint8Array([1]), new Date(), 1);
    const none = async () => {
      throw new Error('the parent files are there: no segment should be read');
    };
    await writeSnapshot(dir, 'docs', 2, new Uint8Array([2]), new Date(), 1, { parentVersion: 1, segments: none });
    const m3 = await writeSnapshot(dir, 'docs', 3, new Uint8Array([3]), new Date(), 1, { parentVersion: 2, segments: none });
    expect(m3.chain).toEqual(['docs.v1.lxg', 'docs.v2.lxg', 'docs.v3.lxg']);
    expect(((await readSnapshotChain(dir, m3)) ?? []).map((b) => Array.from(b as Uint8Array))).toEqual([[1], [2], [3]]);
    expect(await readManifest(dir, 'docs')).toEqual(m3);
    // a full snapshot starts a new chain: the old one goes with retention 1
    await writeSnapshot(dir, 'docs', 4, new Uint8Array([4]), new Date(), 1);
    expect((await fs.readdir(path.join(dir, 'indexes'))).sort()).toEqual(['docs.json', 'docs.v4.lxg']);
    // a delta whose parent's files are missing writes its whole chain from the segments
    await fs.rm(path.join(dir, 'indexes', 'docs.v4.lxg'));
    const m6 = await writeSnapshot(dir, 'docs', 6, new Uint8Array([6]), new Date(), 1, {
      parentVersion: 5,
      segments: async () => [
        { version: 4, bytes: new Uint8Array([4]) },
        { version: 5, bytes: new Uint8Array([5]) },
        { version: 6, bytes: new Uint8Array([6]) },
      ],
    });
    expect(((await readSnapshotChain(dir, m6)) ?? []).map((b) => Array.from(b as Uint8Array))).toEqual([[4], [5], [6]]);
  });

  it('reads a full snapshot section by section and its deltas whole, and the chain opens as the index written', async () => {
    const docs = Array.from({ length: 50 }, (_x, i) => ({
      id: `d${i}`,
      url: `http://docs.test/d${i}`,
      title: `Checkpoint tuning ${i % 7}`,
      text: `The WAL segment ${i % 5} is recycled after checkpoint ${i}. Vacuum freeze ${i % 3} runs on old tuples.`,
      category: [],
      tags: [],
      links: [],
    }));
    const built = LexIndex.build(docs);
    const bytes = built.serialize();
    await writeSnapshot(dir, 'docs', 1, bytes, new Date(), 3);
    const delta = encodeDelta({ upserts: [], deletes: ['d3'] });
    const m = await writeSnapshot(dir, 'docs', 2, delta, new Date(), 3, { parentVersion: 1, segments: async () => [] });
    const chain = (await readSnapshotChain(dir, m)) ?? [];
    expect(chain.map((s) => s instanceof Uint8Array)).toEqual([false, true]);
    expect(chain.map((s) => s.byteLength)).toEqual([bytes.length, delta.length]);
    const opened = openChain(chain);
    built.remove('d3');
    expect(opened.size).toBe(49);
    for (const q of ['wal segment 2', 'vacuum freeze old tuples', 'checkpoint tuning 3']) {
      expect(opened.search(q, { k: 10 })).toEqual(built.search(q, { k: 10 }));
    }
  });

  it("leaves a snapshot's entities in its file, read when an answer needs them, even after the file is removed", async () => {
    const docs = Array.from({ length: 40 }, (_x, i) => ({
      id: `d${i}`,
      url: `http://docs.test/d${i}`,
      title: `Replication slot ${i % 6}`,
      text: `A standby ${i % 4} streams the WAL from slot ${i}. Logical decoding ${i % 3} reads the changes.`,
      category: i % 2 ? ['Server', 'Replication'] : [],
      tags: [],
      links: [{ url: `http://docs.test/d${(i + 1) % 40}`, text: `slot ${(i + 1) % 6}` }],
    }));
    const built = LexIndex.build(docs);
    for (const oneShot of [false, true]) {
      const m = await writeSnapshot(dir, 'docs', oneShot ? 2 : 1, built.serialize(), new Date(), 3);
      const [layout] = (await readSnapshotChain(dir, m, oneShot)) ?? [];
      if (!layout || layout instanceof Uint8Array) throw new Error('expected a snapshot read by sections');
      // the entities and postings are not among the sections read, but left in the file; a one-shot reader leaves
      // the token streams too
      const inPlace = oneShot ? ['entities', 'postings', 'streams'] : ['entities', 'postings'];
      for (const name of ['entities', 'postings', 'streams']) {
        expect(layout.sections.has(name)).toBe(!inPlace.includes(name));
        expect(layout.deferred?.has(name) ?? false).toBe(inPlace.includes(name));
      }
      const opened = openChain([layout]);
      // the file goes (as the retention removes it): the descriptor the index holds still reads it
      await fs.rm(path.join(dir, 'indexes', m.file));
      const reference = LexIndex.build(docs);
      let answered = 0;
      // phrases read the token streams of their candidates; a removal reads the removed entity's
      for (const q of ['replication slot 4', 'logical decoding changes', 'standby streams wal', 'replication slot']) {
        const got = opened.ask(q, { k: 5 });
        answered += got.results.length;
        expect(got).toEqual({ ...reference.ask(q, { k: 5 }), timings: got.timings });
      }
      expect(answered).toBeGreaterThan(0);
      expect(opened.get('d7')).toEqual(reference.get('d7'));
      expect(Buffer.from(opened.serialize()).equals(Buffer.from(reference.serialize()))).toBe(true);
      opened.remove('d3');
      reference.remove('d3');
      for (const q of ['replication slot 3', 'standby streams wal']) expect(opened.search(q, { k: 5 })).toEqual(reference.search(q, { k: 5 }));
      expect(Buffer.from(opened.serialize()).equals(Buffer.from(reference.serialize()))).toBe(true);
    }
  });

  it('reports a missing manifest or file as null, and a malformed manifest as an error', async () => {
    expect(await readManifest(dir, 'none')).toBeNull();
    const m = await writeSnapshot(dir, 'docs', 3, new Uint8Array([1]));
    await fs.rm(path.join(dir, 'indexes', m.file));
    expect(await readSnapshotChain(dir, m)).toBeNull();
    await fs.writeFile(manifestPath(dir, 'docs'), JSON.stringify({ version: 3, file: '../../etc/passwd' }));
    await expect(readManifest(dir, 'docs')).rejects.toThrow(/malformed/);
  });
});
