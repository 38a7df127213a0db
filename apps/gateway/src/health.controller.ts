import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { GatewayDatabase } from './database';
import { IndexRegistry } from './index-registry';
import { GatewayMetrics } from './metrics';
import { GatewayLifecycle } from './lifecycle';
import { REDIS } from './tokens';

/** Milliseconds a dependency check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;

async function check(fn: () => Promise<unknown>): Promise<{ status: 'up' | 'down'; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(GatewayDatabase) private readonly db: GatewayDatabase,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(GatewayLifecycle) private readonly lifecycle: GatewayLifecycle,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Database, Redis and loaded indexes; 503 when a dependency is down or the first load is not done' })
  async health(@Res() reply: FastifyReply): Promise<void> {
    const [database, redis] = await Promise.all([
      // A gateway started without the database tries to open it here too, so health reports it up once it answers.
      check(async () => (await this.db.get()).prisma.$queryRawUnsafe('SELECT 1')),
      check(() => this.redis.ping()),
    ]);
    const indexes = { status: this.lifecycle.ready ? ('up' as const) : ('down' as const), loaded: this.registry.list() };
    const ok = database.status === 'up' && redis.status === 'up' && indexes.status === 'up';
    await reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', database, redis, indexes });
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
