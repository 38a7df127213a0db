import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppError, CollectionName, CrawlScope, parseOrThrow, privateHostsOf, type CollectionConfig, type Entity, type JobItem, type SourceBody } from '@lexigraph/contracts';
import { createStore, type Store } from '@lexigraph/db';
import { distill, fromDbStore, removeSnapshots, type DistillReport, type PipelineStore } from '@lexigraph/pipeline';
import { JobQueues, type CollectionProgress, type JobView } from '@lexigraph/queue';
import { INGEST_CONFIG, type IngestConfig } from './config';

export interface CollectionView {
  name: string;
  config: CollectionConfig;
  documents: number;
  /** The published index version, or null before the first publish. */
  published: { version: number; publishedAt: string } | null;
  createdAt: string;
}

export interface SourceAccepted {
  collection: string;
  sourceId: string;
  /** Ids of the crawl.fetch jobs of the seeds (GET /v1/jobs/:id). */
  jobs: string[];
  /** The crawl run these seeds start (GET /v1/collections/:c/progress?run=...); a schedule starts a new one each time. */
  runId: string;
  schedule: SourceBody['schedule'] | null;
}

export interface ProgressView extends CollectionProgress {
  collection: string;
  published: { version: number; publishedAt: string } | null;
}

/** Validates a collection name taken from the path. */
export function collectionParam(value: unknown): string {
  return parseOrThrow(CollectionName, value, 'path parameter "collection"');
}

/**
 * What the ingest API does behind its routes: reads and writes collections, sources and documents in the store
 * and puts jobs on the queues. It never builds an index: that is the indexer's `index.build` job.
 */
@Injectable()
export class IngestService implements OnModuleInit, OnApplicationShutdown {
  db!: Store;
  store!: PipelineStore;
  queues!: JobQueues;

  constructor(@Inject(INGEST_CONFIG) readonly config: IngestConfig) {}

  async onModuleInit(): Promise<void> {
    this.db = await createStore({ databaseUrl: this.config.databaseUrl, ...(this.config.schema ? { schema: this.config.schema } : {}) });
    this.store = fromDbStore(this.db);
    this.queues = new JobQueues(this.config.queue);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues?.close();
    await this.db?.close();
  }

  private async requireCollection(name: string): Promise<{ id: string; config: CollectionConfig }> {
    const row = await this.db.collections.get(name);
    const config = row ? await this.store.getCollection(name) : null;
    if (!row || !config) throw new AppError('UNKNOWN_COLLECTION', `collection: unknown collection "${name}"`, { collection: name });
    return { id: row.id, config };
  }

  async createCollection(config: CollectionConfig): Promise<{ created: boolean; view: CollectionView }> {
    const existed = (await this.db.collections.get(config.name)) !== null;
    await this.store.ensureCollection(config.name, config);
    return { created: !existed, view: await this.getCollection(config.name) };
  }

  async published(collectionId: string): Promise<{ version: number; publishedAt: string } | null> {
    const info = await this.db.indexes.publishedInfo(collectionId);
    return info?.publishedAt ? { version: info.version, publishedAt: info.publishedAt.toISOString() } : null;
  }

  async getCollection(name: string): Promise<CollectionView> {
    const { id, config } = await this.requireCollection(name);
    const row = await this.db.collections.get(name);
    return {
      name,
      config,
      documents: await this.db.documents.count(id),
      published: await this.published(id),
      createdAt: (row?.createdAt ?? new Date()).toISOString(),
    };
  }

  /**
   * Stores a crawl source and enqueues a crawl.fetch per seed (canonical URL, depth 0) with the source's scope;
   * a schedule registers a repeating crawl of the seeds, each repetition a new crawl run.
   */
  async addSource(collection: string, body: SourceBody): Promise<SourceAccepted> {
    const { id: collectionId } = await this.requireCollection(collection);
    const privateField = body.allowPrivate ? 'allowPrivate' : body.allowHosts.length > 0 ? 'allowHosts' : null;
    if (privateField && !this.config.allowPrivateSources) {
      throw new AppError('VALIDATION', `${privateField}: crawling private, loopback or link-local addresses is disabled on this server (INGEST_ALLOW_PRIVATE=1 enables it)`, {
        field: privateField,
      });
    }
    const crawler = await import('@lexigraph/crawler');
    const seeds = body.seeds.map((s, i) => {
      const c = crawler.canonicalizeUrl(s);
      if (!c) throw new AppError('VALIDATION', `seeds.${i}: not a fetchable http(s) URL`, { field: `seeds.${i}` });
      return c;
    });
    const schedule = body.schedule ? ('everyMs' in body.schedule ? `every:${body.schedule.everyMs}` : body.schedule.cron) : null;
    const sourceId = await this.db.sources.create(collectionId, 'crawl', { ...body, seeds }, schedule);
    const scope = CrawlScope.parse({
      origins: [...new Set(seeds.map((s) => new URL(s).origin))],
      include: body.include,
      exclude: body.exclude,
      maxDepth: body.maxDepth,
      maxPages: body.maxPages,
      allowPrivate: body.allowPrivate,
      allowHosts: privateHostsOf({ ...body, seeds }),
    });
    const jobs: JobItem[] = seeds.map((url) => ({ name: 'crawl.fetch', data: { collection, url, depth: 0, sourceId, scope } }));
    const ids = await this.queues.add(jobs);
    if (body.schedule) {
      const repeat = 'everyMs' in body.schedule ? { every: body.schedule.everyMs } : { pattern: body.schedule.cron };
      for (const [i, job] of jobs.entries()) {
        await this.queues.queue('crawl.fetch').upsertJobScheduler(`${collection}~source~${sourceId}~${i}`, repeat, {
          name: 'crawl.fetch',
          data: job.data,
          opts: {
            attempts: this.config.queue.attempts,
            backoff: { type: 'exponential', delay: this.config.queue.backoffMs },
            removeOnComplete: { age: this.config.queue.keepDays * 24 * 3600 },
            removeOnFail: { age: this.config.queue.keepDays * 24 * 3600 },
          },
        });
      }
    }
    return { collection, sourceId, runId: sourceId, jobs: ids, schedule: body.schedule ?? null };
  }

  /** Stores uploaded entities (deduplicated, keyed by id and content hash) and asks for an index build. */
  async storeDocuments(collection: string, entities: Entity[]): Promise<DistillReport & { jobs: string[] }> {
    await this.requireCollection(collection);
    const report = await distill(this.store, collection, entities);
    const jobs = report.inserted + report.updated > 0 ? await this.queues.add([{ name: 'index.build', data: { collection } }]) : [];
    return { ...report, jobs };
  }

  /**
   * Deletes one document; the next build leaves it out (and its counts). It stays deleted when a crawl finds its
   * page again, until it is uploaded again.
   */
  async deleteDocument(collection: string, documentId: string): Promise<{ jobs: string[] }> {
    const { id } = await this.requireCollection(collection);
    if (!(await this.db.documents.remove(id, documentId, { tombstone: true }))) {
      throw new AppError('NOT_FOUND', `id: no document "${documentId}" in collection "${collection}"`, { collection, id: documentId });
    }
    return { jobs: await this.queues.add([{ name: 'index.build', data: { collection } }]) };
  }

  /**
   * Deletes a collection and everything of it: its jobs not running and its scheduled crawls first (so nothing
   * queued recreates it), then its row with, by cascade, its sources, documents, index versions and their stored
   * segments, then its snapshot files when the data folder is known. A job of it still running fails on the
   * missing collection. Gateways stop serving it at their next version check.
   */
  async deleteCollection(collection: string): Promise<{ jobsRemoved: number; snapshotFilesRemoved: number | null }> {
    await this.requireCollection(collection);
    const jobsRemoved = await this.queues.removeCollection(collection);
    await this.db.collections.remove(collection);
    const snapshotFilesRemoved = this.config.dataDir ? await removeSnapshots(this.config.dataDir, collection) : null;
    return { jobsRemoved, snapshotFilesRemoved };
  }

  async job(id: string): Promise<JobView> {
    const job = await this.queues.getJob(id);
    if (!job) throw new AppError('NOT_FOUND', `id: no job "${id}"`, { id });
    return job;
  }

  /** One crawl run of the collection (`run`, else its latest), its pending build, the queues and the published version. */
  async progress(collection: string, run?: string): Promise<ProgressView> {
    const { id } = await this.requireCollection(collection);
    const counts = await this.queues.progress(collection, run);
    return { collection, ...counts, published: await this.published(id) };
  }
}
