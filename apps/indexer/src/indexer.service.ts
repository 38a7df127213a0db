import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { EVENT_INDEX_PUBLISHED, type IndexPublishedEvent } from '@lexigraph/contracts';
import { createStore, type Store } from '@lexigraph/db';
import { createHandlers, fromDbStore } from '@lexigraph/pipeline';
import { JobQueues, startWorkers, type Workers } from '@lexigraph/queue';
import { firstValueFrom } from 'rxjs';
import { INDEXER_CONFIG, type IndexerConfig } from './config';

/** Redis transport options of `@nestjs/microservices` from a redis:// URL. */
export function redisTransportOptions(url: string): { host: string; port: number; password?: string; db?: number } {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}

/**
 * The indexer: opens the store and the queues, starts the BullMQ workers with the pipeline's handler map, and
 * announces each published index version as `index.published` on the Redis transport.
 */
@Injectable()
export class IndexerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private db: Store | null = null;
  private workers: Workers | null = null;
  private client: ClientProxy | null = null;
  queues: JobQueues | null = null;

  constructor(@Inject(INDEXER_CONFIG) private readonly config: IndexerConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    const cfg = this.config;
    this.db = await createStore({ databaseUrl: cfg.databaseUrl, ...(cfg.schema ? { schema: cfg.schema } : {}) });
    this.queues = new JobQueues(cfg.queue);
    this.client = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisTransportOptions(cfg.queue.redisUrl) });
    await this.client.connect();
    const handlers = createHandlers({
      store: fromDbStore(this.db),
      dataDir: cfg.dataDir,
      ...(cfg.fetchTimeoutMs ? { fetchTimeoutMs: cfg.fetchTimeoutMs } : {}),
      onPublished: (e) => this.announce({ collection: e.collection, version: e.version, publishedAt: e.publishedAt.toISOString() }),
    });
    this.workers = await startWorkers(handlers, this.queues, {
      concurrency: cfg.concurrency,
      onJob: (e) => {
        if (e.error) cfg.log({ event: 'job.failed', job: e.name, id: e.id, error: e.error, permanent: e.permanent ?? false });
        else if (cfg.logJobs) cfg.log({ event: 'job.done', job: e.name, id: e.id, ms: Math.round(e.ms) });
      },
      onError: (err) => cfg.log({ event: 'worker.error', error: err.message }),
    });
    cfg.log({ event: 'started', concurrency: cfg.concurrency, prefix: cfg.queue.prefix, pid: process.pid });
  }

  /** Emits index.published; a lost event is not fatal (gateways also poll the store). */
  private async announce(event: IndexPublishedEvent): Promise<void> {
    this.config.log({ event: 'index.published', ...event });
    try {
      await firstValueFrom(this.client!.emit(EVENT_INDEX_PUBLISHED, event), { defaultValue: undefined });
    } catch (err) {
      this.config.log({ event: 'announce.failed', error: (err as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.workers?.close();
    await this.queues?.close();
    await this.client?.close();
    await this.db?.close();
    this.workers = null;
    this.queues = null;
    this.client = null;
    this.db = null;
  }
}
