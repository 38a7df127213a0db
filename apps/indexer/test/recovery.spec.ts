import { createStore, type Store } from '@lexigraph/db';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { startIndexer, type RunningIndexer } from '../src/main';
import { REDIS_URL, createDatabase, dataDirFor, removeDataDir, uniquePrefix } from './helpers';

jest.setTimeout(60_000);

describe('indexer start after a crash', () => {
  let db: { url: string; drop: () => Promise<void> };
  let store: Store;
  const prefix = uniquePrefix('recovery');
  const queue = { redisUrl: REDIS_URL, prefix };
  const started: RunningIndexer[] = [];

  beforeAll(async () => {
    db = await createDatabase('recovery');
    store = await createStore({ databaseUrl: db.url });
  });

  afterAll(async () => {
    for (const indexer of started) await indexer.close();
    const q = new JobQueues(queueConfig(queue));
    await q.obliterate();
    await q.close();
    await store?.close();
    await db?.drop();
    await removeDataDir(prefix);
  });

  it('fails the versions a stopped process left building, and leaves younger builds to their owners', async () => {
    const c = (await store.collections.ensure('crashed')).id;
    const published = await store.indexes.createVersion(c);
    await store.indexes.publish(published.id, new Uint8Array([1, 2, 3]), {}, { lexicon: [], xembeddings: [], categories: [] });
    const abandoned = await store.indexes.createVersion(c);
    const running = await store.indexes.createVersion(c);
    // The abandoned build was created two hours ago, by a process that died; another indexer is running `running`.
    await store.prisma.$executeRaw`UPDATE "IndexVersion" SET "createdAt" = now() - interval '2 hours' WHERE id = ${abandoned.id}::uuid`;

    const lines: Record<string, unknown>[] = [];
    started.push(
      await startIndexer({ databaseUrl: db.url, dataDir: dataDirFor(prefix), concurrency: 1, queue, log: (line) => lines.push(line) }),
    );

    const after = await store.indexes.get(abandoned.id);
    expect(after?.status).toBe('failed');
    expect(after?.error).toMatch(/left building by an indexer that stopped/);
    expect((await store.indexes.get(running.id))?.status).toBe('building');
    expect((await store.indexes.get(published.id))?.status).toBe('published');
    expect(lines).toContainEqual(expect.objectContaining({ event: 'index.stale', collectionId: c, version: abandoned.version }));

    // With a grace period of 0, the next indexer to start takes any build as left behind.
    started.push(await startIndexer({ databaseUrl: db.url, dataDir: dataDirFor(prefix), concurrency: 1, queue, staleBuildMs: 0, log: false }));
    expect((await store.indexes.get(running.id))?.status).toBe('failed');
  });

  it('reads its retention and grace period from the environment, refusing bad values', async () => {
    const { resolveConfig } = await import('../src/config');
    const base = { DATABASE_URL: db.url };
    expect(resolveConfig({}, base)).toMatchObject({ retainVersions: 3, staleBuildMs: 3_600_000 });
    expect(resolveConfig({}, { ...base, INDEX_RETAIN_VERSIONS: '5', INDEX_STALE_BUILD_MS: '1000' })).toMatchObject({
      retainVersions: 5,
      staleBuildMs: 1000,
    });
    expect(() => resolveConfig({}, { ...base, INDEX_RETAIN_VERSIONS: '0' })).toThrow(/INDEX_RETAIN_VERSIONS=0/);
  });
});
