import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { jsonBody } from './body';
import { INGEST_CONFIG, resolveConfig, type IngestConfig, type IngestOptions } from './config';
import { ApiExceptionFilter } from './errors';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

export type { IngestOptions, IngestConfig } from './config';
export { IngestService } from './ingest.service';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestModule,
      controllers: [IngestController],
      providers: [{ provide: INGEST_CONFIG, useValue: config }, IngestService],
    };
  }
}

const UPLOAD_ROUTE = /^\/v1\/collections\/[^/]+\/documents\/?(\?.*)?$/;

/**
 * Creates the ingest API (a NestJS HTTP application, initialized, not yet listening: call `app.listen(port)`),
 * from options falling back to the environment: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, INGEST_MAX_BODY_BYTES,
 * INGEST_MAX_UPLOAD_BYTES.
 */
export async function createIngestApp(opts: IngestOptions = {}): Promise<INestApplication> {
  const config = resolveConfig(opts);
  const app = await NestFactory.create(IngestModule.forRoot(config), { bodyParser: false, logger: ['error', 'warn'] });
  app.use(jsonBody(config.maxBodyBytes, (req: IncomingMessage) => req.method === 'POST' && UPLOAD_ROUTE.test(req.url ?? '')));
  app.useGlobalFilters(new ApiExceptionFilter());
  app.enableShutdownHooks();
  await app.init();
  return app;
}

/** `node dist/main.js`: serves the ingest API on INGEST_PORT (default 3001) until SIGTERM / SIGINT. */
async function runFromEnv(): Promise<void> {
  const port = Number(process.env.INGEST_PORT || 3001);
  const app = await createIngestApp();
  await app.listen(port, process.env.INGEST_HOST || '0.0.0.0');
  process.stderr.write(`${JSON.stringify({ service: 'ingest', event: 'listening', port, pid: process.pid })}\n`);
}

if (require.main === module) {
  runFromEnv().catch((err: unknown) => {
    process.stderr.write(`ingest failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
