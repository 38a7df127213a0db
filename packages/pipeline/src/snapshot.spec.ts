import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { manifestPath, readManifest, readSnapshotBytes, writeSnapshot } from './snapshot';

describe('snapshot files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-snap-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the index file and a manifest pointing at it, and removes older versions', async () => {
    await writeSnapshot(dir, 'docs', 1, new Uint8Array([1, 2, 3]), new Date('2026-01-01T00:00:00Z'));
    const m2 = await writeSnapshot(dir, 'docs', 2, new Uint8Array([4, 5]), new Date('2026-01-02T00:00:00Z'));
    expect(m2).toEqual({ collection: 'docs', version: 2, file: 'docs.v2.lxg', publishedAt: '2026-01-02T00:00:00.000Z', bytes: 2 });
    const read = await readManifest(dir, 'docs');
    expect(read).toEqual(m2);
    expect(Array.from((await readSnapshotBytes(dir, m2)) ?? [])).toEqual([4, 5]);
    const files = (await fs.readdir(path.join(dir, 'indexes'))).sort();
    expect(files).toEqual(['docs.json', 'docs.v2.lxg']);
  });

  it('keeps other collections whose names share a prefix', async () => {
    await writeSnapshot(dir, 'docs-extra', 7, new Uint8Array([9]));
    await writeSnapshot(dir, 'docs', 1, new Uint8Array([1]));
    await writeSnapshot(dir, 'docs', 2, new Uint8Array([2]));
    expect((await fs.readdir(path.join(dir, 'indexes'))).sort()).toEqual(['docs-extra.json', 'docs-extra.v7.lxg', 'docs.json', 'docs.v2.lxg']);
  });

  it('reports a missing manifest or file as null, and a malformed manifest as an error', async () => {
    expect(await readManifest(dir, 'none')).toBeNull();
    const m = await writeSnapshot(dir, 'docs', 3, new Uint8Array([1]));
    await fs.rm(path.join(dir, 'indexes', m.file));
    expect(await readSnapshotBytes(dir, m)).toBeNull();
    await fs.writeFile(manifestPath(dir, 'docs'), JSON.stringify({ version: 3, file: '../../etc/passwd' }));
    await expect(readManifest(dir, 'docs')).rejects.toThrow(/malformed/);
  });
});
