import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Authenticator, AUTHENTICATOR, AuthGuard, corsOrigin, openWarning } from '@lexigraph/auth';
import { createLogger, NestLogger, toErrorBody, type Logger } from '@lexigraph/contracts';
import { AdminController } from './admin.controller';
import { jsonBody } from './body';
import { INGEST_CONFIG, resolveConfig, type IngestConfig, type IngestOptions } from './config';
import { ApiExceptionFilter } from './errors';
import { HealthController } from './health.controller';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { IngestMetrics } from './metrics';
import { LOGGER } from './tokens';

export type { IngestOptions, IngestConfig } from './config';
export { IngestService } from './ingest.service';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig, log: Logger, metrics: IngestMetrics): DynamicModule {
    return {
      module: IngestModule,
      controllers: [IngestController, HealthController, AdminController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: LOGGER, useValue: log },
        { provide: IngestMetrics, useValue: metrics },
        IngestService,
        {
          provide: AUTHENTICATOR,
          inject: [IngestService],
          useFactory: (ingest: IngestService) => new Authenticator({ ...config.auth, keys: (id) => ingest.db.keys.get(id) }),
        },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}

const UPLOAD_ROUTE = /^\/v1\/collections\/[^/]+\/documents\/?(\?.*)?$/;

/**
 * Creates the ingest API (a NestJS HTTP application, initialized, not yet listening: call `app.listen(port)`),
 * from options falling back to the environment (IngestEnv of @lexigraph/contracts). Serves `/health`, `/metrics`
 * and its OpenAPI description at `/docs` (JSON at `/docs-json`) besides the API; logs JSON lines through pino.
 * Every route but `/health` needs `Authorization: Bearer <key>` (LEXIGRAPH_MASTER_KEY, or LEXIGRAPH_AUTH=off,
 * which the app logs loudly).
 */
export async function createIngestApp(opts: IngestOptions & { defaultMetrics?: boolean } = {}): Promise<INestApplication> {
  const config = resolveConfig(opts);
  const log = createLogger('ingest', { level: config.logLevel });
  const metrics = new IngestMetrics(opts.defaultMetrics ?? true);
  const app = await NestFactory.create(IngestModule.forRoot(config, log, metrics), {
    bodyParser: false,
    // Nest's start-up lines (modules, routes) only when debugging; its warnings and errors always.
    logger: new NestLogger(['debug', 'trace'].includes(config.logLevel) ? log : log.child({}, { level: config.logLevel === 'silent' ? 'silent' : 'warn' })),
  });
  app.use((req: IncomingMessage & { route?: { path?: string } }, res: ServerResponse, next: () => void) => {
    const t0 = performance.now();
    res.on('finish', () => {
      const route = req.route?.path ?? 'unmatched';
      metrics.requestSeconds.observe({ route, method: req.method ?? '', status: String(res.statusCode) }, (performance.now() - t0) / 1000);
    });
    next();
  });
  app.use(jsonBody(config.maxBodyBytes, (req: IncomingMessage) => req.method === 'POST' && UPLOAD_ROUTE.test(req.url ?? '')));
  app.useGlobalFilters(new ApiExceptionFilter(log));
  const origin = corsOrigin(config.auth.corsOrigins);
  if (origin !== false) app.enableCors({ origin, allowedHeaders: ['authorization', 'content-type'], exposedHeaders: ['retry-after'] });
  if (config.auth.mode === 'off') log.warn(openWarning('ingest'));
  // The OpenAPI pages are served by the HTTP server itself, outside Nest's guards: they need a key of any scope too.
  const auth = app.get<Authenticator>(AUTHENTICATOR);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (!/^\/docs(?:[/?-]|$)/.test(req.url ?? '')) return next();
    auth.authenticate(req.headers.authorization).then(
      () => next(),
      (err: unknown) => {
        const body = toErrorBody(err);
        res.writeHead(body.statusCode, { 'content-type': 'application/json; charset=utf-8', ...(body.statusCode === 401 ? { 'www-authenticate': 'Bearer realm="lexigraph"' } : {}) });
        res.end(JSON.stringify(body));
      },
    );
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lexigraph ingest API')
      .setDescription('Collections, crawl sources and document uploads; jobs for the indexer; crawl progress; keys and the audit trail.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (lxk_...) or the master key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  app.enableShutdownHooks();
  await app.init();
  return app;
}

/** `node dist/main.js`: serves the ingest API on INGEST_HOST:INGEST_PORT (default 0.0.0.0:3001) until SIGTERM / SIGINT. */
async function runFromEnv(): Promise<void> {
  const config = resolveConfig();
  const app = await createIngestApp();
  await app.listen(config.port, config.host);
  createLogger('ingest', { level: config.logLevel }).info({ port: config.port, host: config.host }, 'listening');
}

if (require.main === module) {
  runFromEnv().catch((err: unknown) => {
    createLogger('ingest').fatal({ err }, `ingest failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
