import { AppError, type JobData } from '@lexigraph/contracts';
import { buildIndex, type BuildReport } from './build';
import { distill, documentHash, type DistillReport } from './distill';
import { ingestSource, type IngestReport } from './ingest';
import type { PipelineStore } from './ports';
import type { HandlerMap, JobOutcome } from './runner';
import { writeSnapshot } from './snapshot';

/** Progress callbacks of the long steps: (done, total); total 0 means "not known yet". */
export interface PipelineProgress {
  crawl?: (done: number, total: number) => void;
  store?: (done: number, total: number) => void;
  build?: (done: number, total: number) => void;
}

export interface PipelineContext {
  store: PipelineStore;
  /** Directory of the cold-start snapshots (`<dataDir>/indexes`). */
  dataDir: string;
  progress?: PipelineProgress;
  /** Whether a crawl job is followed by an index build (default true). */
  buildAfterIngest?: boolean;
}

export interface CrawlFetchResult {
  ingest: Omit<IngestReport, 'entities'> & { entities: number };
  distill: DistillReport;
}

export type IndexBuildResult = Omit<BuildReport, 'index'>;

async function requireCollection(store: PipelineStore, collection: string) {
  const config = await store.getCollection(collection);
  if (!config) throw new AppError('UNKNOWN_COLLECTION', `unknown collection "${collection}"`, { collection });
  return config;
}

/**
 * The job handlers, keyed by job name, shared by queue workers and the in-process runner:
 * - `crawl.fetch`: crawls `url` with the collection's crawl options (depth budget reduced by `depth`), stores the
 *   deduplicated entities; then `index.build` unless `buildAfterIngest` is false.
 * - `distill.entity`: re-hashes one stored document and rewrites it when its hash is stale.
 * - `index.build`: builds and publishes a new index version (and its snapshot file).
 * - `index.publish`: (re)writes the snapshot file of the latest published version (e.g. after a remote build).
 */
export function createHandlers(ctx: PipelineContext): HandlerMap {
  const { store } = ctx;
  return {
    'crawl.fetch': async (data: JobData<'crawl.fetch'>): Promise<JobOutcome> => {
      const config = await requireCollection(store, data.collection);
      const report = await ingestSource(
        {
          source: data.url,
          format: 'html',
          include: config.crawl.include,
          exclude: config.crawl.exclude,
          allowPrivate: config.crawl.allowPrivate,
          maxPages: config.crawl.maxPages,
          maxDepth: Math.max(0, config.crawl.maxDepth - data.depth),
        },
        { onProgress: ctx.progress?.crawl },
      );
      const distilled = await distill(store, data.collection, report.entities, ctx.progress?.store);
      const result: CrawlFetchResult = { ingest: { ...report, entities: report.entities.length }, distill: distilled };
      return {
        result,
        next: ctx.buildAfterIngest === false ? [] : [{ name: 'index.build', data: { collection: data.collection } }],
      };
    },
    'distill.entity': async (data: JobData<'distill.entity'>): Promise<JobOutcome> => {
      await requireCollection(store, data.collection);
      const entity = (await store.listEntities(data.collection)).find((e) => e.id === data.documentId);
      if (!entity) {
        throw new AppError('NOT_FOUND', `document "${data.documentId}" not found in collection "${data.collection}"`, data);
      }
      const hash = documentHash(entity);
      const stored = (await store.documentHashes(data.collection)).get(entity.id);
      if (stored === hash) return { result: { changed: false } };
      await store.upsertDocuments(data.collection, [{ entity, hash }]);
      return { result: { changed: true } };
    },
    'index.build': async (data: JobData<'index.build'>): Promise<JobOutcome> => {
      await requireCollection(store, data.collection);
      const { index: _index, ...report } = await buildIndex(store, ctx.dataDir, data.collection, { onProgress: ctx.progress?.build });
      const result: IndexBuildResult = report;
      return { result };
    },
    'index.publish': async (data: JobData<'index.publish'>): Promise<JobOutcome> => {
      const published = await store.latestPublished(data.collection);
      if (!published) {
        throw new AppError('NO_INDEX', `collection "${data.collection}" has no published index (version ${data.versionId})`, data);
      }
      const manifest = await writeSnapshot(ctx.dataDir, data.collection, published.version, published.bytes, published.publishedAt);
      return { result: manifest };
    },
  };
}
