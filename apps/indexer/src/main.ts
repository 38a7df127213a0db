import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, NestLogger } from '@lexigraph/contracts';
import { INDEXER_CONFIG, listenerFromEnv, resolveConfig, type IndexerConfig, type IndexerOptions } from './config';
import { IndexerService } from './indexer.service';

export type { IndexerOptions, IndexerConfig } from './config';
export { IndexerService } from './indexer.service';

@Module({})
export class IndexerModule {
  static forRoot(config: IndexerConfig): DynamicModule {
    return {
      module: IndexerModule,
      providers: [{ provide: INDEXER_CONFIG, useValue: config }, IndexerService],
      exports: [IndexerService],
    };
  }
}

export interface RunningIndexer {
  app: INestApplicationContext;
  config: IndexerConfig;
  /** Port of the `/health` and `/metrics` listener, or null without one. */
  port: number | null;
  /** Stops taking jobs, lets running ones finish, closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts an indexer (a NestJS application context with BullMQ workers) from options, falling back to the
 * environment (IndexerEnv of @lexigraph/contracts). With `port`, it also answers `/health` and `/metrics` there.
 */
export async function startIndexer(opts: IndexerOptions = {}): Promise<RunningIndexer> {
  const config = resolveConfig(opts);
  const nestLog = createLogger('indexer', { level: opts.log === false ? 'silent' : 'warn' });
  const app = await NestFactory.createApplicationContext(IndexerModule.forRoot(config), { logger: new NestLogger(nestLog) });
  await app.init();
  let closing: Promise<void> | null = null;
  return {
    app,
    config,
    port: app.get(IndexerService).port,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}

/** `node dist/main.js`: runs an indexer from the environment until SIGTERM / SIGINT. */
async function runFromEnv(): Promise<void> {
  const indexer = await startIndexer(listenerFromEnv());
  const stop = (signal: string) => {
    indexer.config.log({ event: 'stopping', signal });
    indexer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  runFromEnv().catch((err: unknown) => {
    createLogger('indexer').fatal({ err }, `indexer failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
