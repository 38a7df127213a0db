import { AppError, CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { InProcessRunner, createHandlers, type IndexBuildResult } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { println } from '../io';
import { createProgress } from '../progress';
import { printBuild } from './ingest';

export interface DeleteOptions {
  collection: string;
  /** Show progress (default true). */
  progress?: boolean;
}

/**
 * `delete <id...>`: removes stored documents of a collection by id, then builds and publishes the index through the
 * `index.build` job, as the ingest API's DELETE does. An id that is not stored is a NOT_FOUND error naming it, and
 * nothing is removed.
 */
export async function deleteCommand(ctx: CliContext, ids: string[], opts: DeleteOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const store = await ctx.storeFor(collection);
  if (!(await store.getCollection(collection))) {
    throw new AppError('UNKNOWN_COLLECTION', `unknown collection "${collection}"`, { collection });
  }
  for (const id of ids) {
    if (!(await store.getDocument(collection, id))) {
      throw new AppError('NOT_FOUND', `no document "${id}" in collection "${collection}"`, { collection, id });
    }
  }
  for (const id of ids) await store.removeDocument(collection, id, { tombstone: true });
  const out = ctx.io.stdout;
  println(out, `deleted ${ids.length} document(s) from "${collection}"`);
  const buildBar = createProgress(out, 'build', opts.progress ?? true);
  try {
    const runner = new InProcessRunner(
      createHandlers({
        store,
        dataDir: ctx.dataDir,
        retainVersions: ctx.retainVersions,
        sqlTables: ctx.sqlTables,
        buildAfterIngest: false,
        progress: { build: (d, t) => buildBar.update(d, t) },
      }),
    );
    const records = await runner.run({ name: 'index.build', data: { collection } });
    buildBar.stop();
    const built = records.find((r) => r.job.name === 'index.build')?.result as IndexBuildResult | undefined;
    if (built) printBuild(out, built);
  } finally {
    buildBar.stop();
  }
  return 0;
}
