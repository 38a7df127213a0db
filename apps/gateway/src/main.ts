import 'reflect-metadata';
import { Logger, type CanActivate } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type Redis from 'ioredis';
import { AUTHENTICATOR, corsOrigin, openWarning, type Authenticator } from '@lexigraph/auth';
import { createLogger, EVENT_INDEX_PUBLISHED, NestLogger, toErrorBody } from '@lexigraph/contracts';
import { profileLoader } from '@lexigraph/pipeline';
import { loadConfig, redisOptions, type GatewayConfig } from './config';
import { ErrorFilter } from './error.filter';
import { GatewayModule } from './gateway.module';
import { GatewayMetrics } from './metrics';
import { installQueryFastPath } from './query-fast-path';
import { QueryService } from './query.service';
import { HTTP_GUARDS, REDIS } from './tokens';
import type { ProfileLoader } from './query.service';

export { loadConfig, type GatewayConfig } from './config';
export { IndexRegistry, type ServedIndex } from './index-registry';
export type { GatewayAnswer, ProfileLoader } from './query.service';

/** How long the start waits for the event listener to subscribe before going on without it. */
const EVENTS_WAIT_MS = 3000;

/** Largest accepted request body: a prompt is at most 2000 characters, so 64 KiB leaves room for parameters. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface GatewayAppOptions {
  /** Parsed configuration; default: `loadConfig(process.env)`. */
  config?: GatewayConfig;
  /** Subscribe to `index.published` on Redis (hybrid app). Default true. */
  events?: boolean;
  /** Lowest level of the JSON log lines (pino), or false for none. Default: `config.logLevel` (LOG_LEVEL), else info. */
  logger?: false | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Saved parameter profiles; default: the built-in ones and `<LEXIGRAPH_DATA>/profiles.json` (as the CLI reads them). */
  profiles?: ProfileLoader;
  /** Collect the process's default metrics. Default true. */
  defaultMetrics?: boolean;
}


/**
 * Creates the gateway app (fastify) without listening: routes, the one error filter, request metrics, OpenAPI at
 * `/docs` and, unless `events: false`, the Redis microservice that receives `index.published`.
 */
export async function createGatewayApp(options: GatewayAppOptions = {}): Promise<NestFastifyApplication> {
  const config = options.config ?? loadConfig(process.env);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ config, profiles: options.profiles ?? profileLoader(config.dataDir), defaultMetrics: options.defaultMetrics ?? true }),
    adapter,
    { logger: new NestLogger(createLogger('gateway', { level: options.logger === false ? 'silent' : (options.logger ?? config.logLevel ?? 'info') })) },
  );
  const filter = new ErrorFilter();
  app.useGlobalFilters(filter);
  const origin = corsOrigin(config.auth.corsOrigins);
  if (origin !== false) app.enableCors({ origin, allowedHeaders: ['authorization', 'content-type'], exposedHeaders: ['retry-after'] });
  if (config.auth.mode === 'off') new Logger('Gateway').warn(openWarning('gateway'));

  // The OpenAPI pages are served by fastify itself, outside Nest's guards: they need a key of any scope too.
  const auth = app.get<Authenticator>(AUTHENTICATOR);
  adapter.getInstance().addHook('onRequest', async (request, reply) => {
    if (!/^\/docs(?:[/?-]|$)/.test(request.url)) return;
    try {
      await auth.authenticate(request.headers.authorization);
    } catch (err) {
      const body = toErrorBody(err);
      await reply.status(body.statusCode).header('WWW-Authenticate', 'Bearer realm="lexigraph"').header('content-type', 'application/json; charset=utf-8').send(body);
    }
  });

  const metrics = app.get(GatewayMetrics);
  // before the routes are registered (at init): the short path of queries hooks into the query route
  installQueryFastPath(adapter.getInstance(), { queries: app.get(QueryService), guards: app.get<CanActivate[]>(HTTP_GUARDS), filter, metrics });
  adapter.getInstance().addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestSeconds.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lexigraph query gateway')
      .setDescription('Ranked, cited answers from the published index of each collection.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (lxk_...) or a tenant token (JWT)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document);

  if (options.events ?? true) {
    // Retry forever: a gateway keeps serving (and polling) while Redis is away, and takes events again when it is back.
    app.connectMicroservice<MicroserviceOptions>(
      { transport: Transport.REDIS, options: { ...redisOptions(config.redisUrl), retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1000 } },
      { inheritAppConfig: true },
    );
  }
  app.enableShutdownHooks();
  return app;
}

/** Creates the gateway, starts its event listener and listens on `config.host:config.port`; resolves to its URL. */
export async function startGateway(options: GatewayAppOptions = {}): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = options.config ?? loadConfig(process.env);
  const app = await createGatewayApp({ ...options, config });
  await app.listen(config.port, config.host);
  if (options.events ?? true) {
    // Queries do not wait for the event listener: it starts once Redis answers (the health client reconnects by
    // itself), and until then the periodic version check keeps the indexes current while /health reports Redis down.
    const log = new Logger('Gateway');
    const redis = app.get<Redis>(REDIS);
    const answered = redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const listening = answered
      .then(() => app.startAllMicroservices())
      .then(
        () => log.log(`listening for ${EVENT_INDEX_PUBLISHED} on ${config.redisUrl}`),
        (err: Error) => log.warn(`no ${EVENT_INDEX_PUBLISHED} events until a restart (${err.message}); polling every ${config.pollMs} ms`),
      );
    // With Redis up, resolve once subscribed (no event published right after the start is missed); else go on.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([listening, new Promise<void>((resolve) => (timer = setTimeout(resolve, EVENTS_WAIT_MS)))]);
    clearTimeout(timer);
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { app, url: `http://${host}:${port}` };
}

if (require.main === module) {
  startGateway().then(
    ({ url }) => new Logger('Gateway').log(`listening on ${url} (OpenAPI at ${url}/docs)`),
    (err: Error) => {
      createLogger('gateway').fatal({ err }, `gateway failed to start: ${err.message}`);
      process.exit(1);
    },
  );
}
