import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import type { Server } from 'node:http';
import { EVENT_INDEX_PUBLISHED, healthAnswer, probe, type IndexPublishedEvent } from '@lexigraph/contracts';
import { createStore, type Store } from '@lexigraph/db';
import { createHandlers, fromDbStore } from '@lexigraph/pipeline';
import { JobQueues, startWorkers, type Workers } from '@lexigraph/queue';
import { firstValueFrom } from 'rxjs';
import { INDEXER_CONFIG, type IndexerConfig } from './config';
import { IndexerMetrics } from './metrics';
import { serveStatus } from './status-server';

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

/** How often a running indexer looks for builds left behind, besides once at its start. */
const STALE_SWEEP_MS = 5 * 60_000;

/**
 * The indexer: opens the store and the queues, fails the builds that crashed processes left in `building`, starts
 * the BullMQ workers with the pipeline's handler map (publishing with `retainVersions`), and announces each
 * published index version as `index.published` on the Redis transport.
 */
@Injectable()
export class IndexerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private db: Store | null = null;
  private workers: Workers | null = null;
  private client: ClientProxy | null = null;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private status: Server | null = null;
  queues: JobQueues | null = null;
  readonly metrics: IndexerMetrics;
  /** Port of the `/health` and `/metrics` listener once it listens (useful with port 0). */
  port: number | null = null;

  constructor(@Inject(INDEXER_CONFIG) private readonly config: IndexerConfig) {
    this.metrics = new IndexerMetrics(() => this.queues, config.defaultMetrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    const cfg = this.config;
    this.db = await createStore({ databaseUrl: cfg.databaseUrl, ...(cfg.schema ? { schema: cfg.schema } : {}) });
    // Before taking jobs: a build this process could have started cannot exist yet, so every version failed now
    // belongs to another process. Errors here stop the start, as a database that cannot be written would anyway.
    await this.sweepStaleBuilds();
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweepStaleBuilds()
        .catch((err: Error) => cfg.log({ event: 'sweep.failed', error: err.message }))
        .finally(() => {
          this.sweeping = undefined;
        });
    }, STALE_SWEEP_MS);
    this.sweeper.unref();
    this.queues = new JobQueues(cfg.queue);
    this.client = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisTransportOptions(cfg.queue.redisUrl) });
    await this.client.connect();
    const handlers = createHandlers({
      store: fromDbStore(this.db),
      dataDir: cfg.dataDir,
      retainVersions: cfg.retainVersions,
      sqlTables: cfg.sqlTables,
      ...(cfg.fetchTimeoutMs ? { fetchTimeoutMs: cfg.fetchTimeoutMs } : {}),
      onPublished: (e) => this.announce({ collection: e.collection, version: e.version, publishedAt: e.publishedAt.toISOString() }),
    });
    this.workers = await startWorkers(handlers, this.queues, {
      concurrency: cfg.concurrency,
      onJob: (e) => {
        this.metrics.record(e);
        if (e.error) cfg.log({ event: 'job.failed', job: e.name, id: e.id, error: e.error, permanent: e.permanent ?? false });
        else if (cfg.logJobs) cfg.log({ event: 'job.done', job: e.name, id: e.id, ms: Math.round(e.ms) });
      },
      onError: (err) => cfg.log({ event: 'worker.error', error: err.message }),
    });
    if (cfg.http) {
      const { server, port } = await serveStatus(
        { health: () => this.health(), metrics: () => this.metrics.registry.metrics() },
        cfg.http.port,
        cfg.http.host,
        (err) => cfg.log({ event: 'status.error', error: err instanceof Error ? err.message : String(err) }),
      );
      this.status = server;
      this.port = port;
    }
    cfg.log({ event: 'started', concurrency: cfg.concurrency, prefix: cfg.queue.prefix, pid: process.pid, ...(this.port !== null ? { port: this.port } : {}) });
  }

  /** Database and Redis reachable (checked with a time limit each); a small fixed body without error text. */
  async health() {
    const [database, redis] = await Promise.all([
      probe(() => (this.db ? this.db.ping() : Promise.reject(new Error('not started')))),
      probe(() => (this.queues ? this.queues.connection.ping() : Promise.reject(new Error('not started')))),
    ]);
    return healthAnswer('indexer', { database, redis });
  }

  /**
   * Marks failed the versions left `building` for longer than `staleBuildMs` (by the database's clock), in every
   * collection. A crashed indexer cannot clean up after itself, and several indexers share the database, none of
   * which can tell whether another one's build still runs: the rule is the build's age. A lease renewed by the builder
   * would not hold either, because the engine's build runs synchronously and would starve a renewal timer. The
   * grace period must exceed the longest build; a build that does outlive it only loses its publish (refused
   * because the version is no longer building), the job fails and its retry builds a new version.
   */
  private async sweepStaleBuilds(): Promise<void> {
    const minutes = Math.round(this.config.staleBuildMs / 60_000);
    const failed = await this.db!.indexes.failStale(
      this.config.staleBuildMs,
      `left building by an indexer that stopped: still building ${minutes} min after it was created (INDEX_STALE_BUILD_MS)`,
    );
    for (const v of failed) this.config.log({ event: 'index.stale', collectionId: v.collectionId, version: v.version });
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
    const status = this.status;
    this.status = null;
    if (status) {
      status.closeAllConnections();
      await new Promise<void>((resolve) => status.close(() => resolve()));
    }
    clearInterval(this.sweeper);
    await this.sweeping;
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
