import { Logger, Module, type CanActivate, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { getOptionsToken, getStorageToken, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { Authenticator, AUTHENTICATOR, AuthGuard } from '@lexigraph/auth';
import { createStore } from '@lexigraph/db';
import Redis from 'ioredis';
import { redisOptions, type GatewayConfig } from './config';
import { GatewayDatabase } from './database';
import { EventsController } from './events.controller';
import { HealthController } from './health.controller';
import { IndexRegistry } from './index-registry';
import { GatewayLifecycle } from './lifecycle';
import { GatewayMetrics } from './metrics';
import { QueryController } from './query.controller';
import { SettingsController } from './settings.controller';
import { WebController } from './web.controller';
import { FailOpenStorage, KeyThrottlerGuard } from './rate-limit';
import { QueryService, type ProfileLoader } from './query.service';
import { answerCacheProviders } from './answer-cache.providers';
import { AnswerCache } from './answer-cache';
import { GATEWAY_CONFIG, HTTP_GUARDS, PROFILES, REDIS } from './tokens';

/** How long opening the database may take before the gateway goes on without it (and tries again later). */
const DATABASE_CONNECT_TIMEOUT_MS = 5000;

export interface GatewayModuleOptions {
  config: GatewayConfig;
  profiles: ProfileLoader;
  /** Collect the process's default metrics (CPU, memory, event loop) too. Default true. */
  defaultMetrics?: boolean;
}

function redisClient(url: string): Redis {
  const log = new Logger('Redis');
  // No offline queue and one retry per command: a health check must fail fast while Redis is down.
  const client = new Redis({ ...redisOptions(url), maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn(`Redis at ${url} unreachable: ${err.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) log.log(`Redis at ${url} reachable again`);
    down = false;
  });
  return client;
}

@Module({})
export class GatewayModule {
  static forRoot(options: GatewayModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: options.config },
      { provide: PROFILES, useValue: options.profiles },
      { provide: GatewayMetrics, useFactory: () => new GatewayMetrics(options.defaultMetrics ?? true) },
      {
        provide: GatewayDatabase,
        useFactory: () => new GatewayDatabase(() => createStore({ databaseUrl: options.config.databaseUrl, connectTimeoutMs: DATABASE_CONNECT_TIMEOUT_MS })),
      },
      { provide: REDIS, useFactory: () => redisClient(options.config.redisUrl) },
      {
        provide: IndexRegistry,
        inject: [GatewayDatabase, GatewayMetrics],
        useFactory: (db: GatewayDatabase, metrics: GatewayMetrics) => new IndexRegistry(db, metrics, options.config.dataDir),
      },
      ...answerCacheProviders(options.config),
      {
        provide: QueryService,
        inject: [IndexRegistry, GatewayMetrics, PROFILES, AnswerCache],
        useFactory: (registry: IndexRegistry, metrics: GatewayMetrics, profiles: ProfileLoader, cache: AnswerCache) =>
          new QueryService(registry, metrics, profiles, cache),
      },
      GatewayLifecycle,
      {
        provide: AUTHENTICATOR,
        inject: [GatewayDatabase],
        // Keys are read from the database when it answers; while it is down, keys read before keep working.
        useFactory: (db: GatewayDatabase) => new Authenticator({ ...options.config.auth, keys: async (id) => (await db.get()).keys.get(id) }),
      },
    ];
    // Global guards run in this order: who is calling, then how often it called.
    const guards: Array<Type<CanActivate>> = [AuthGuard];
    const { limit, windowMs } = options.config.rateLimit;
    // Without a limit there is no throttler at all: no Redis round trip per request. With one, the guard's options
    // and storage are provided here, so the counters share the gateway's Redis client (one connection, closed with it).
    if (limit > 0) {
      providers.push(
        { provide: getOptionsToken(), useValue: { throttlers: [{ name: 'default', limit, ttl: windowMs }] } satisfies ThrottlerModuleOptions },
        { provide: getStorageToken(), inject: [REDIS], useFactory: (redis: Redis) => new FailOpenStorage(new ThrottlerStorageRedisService(redis)) },
      );
      guards.push(KeyThrottlerGuard);
    }
    // One instance of each guard, run by Nest on every route and by the short path of queries (HTTP_GUARDS).
    providers.push(
      ...guards,
      ...guards.map((guard) => ({ provide: APP_GUARD, useExisting: guard })),
      { provide: HTTP_GUARDS, inject: guards, useFactory: (...instances: CanActivate[]) => instances },
    );
    return {
      module: GatewayModule,
      controllers: [QueryController, SettingsController, HealthController, EventsController, WebController],
      providers,
    };
  }
}
