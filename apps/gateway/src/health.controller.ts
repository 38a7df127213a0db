import { Controller, Get, Header, Inject, Logger, Res } from '@nestjs/common';
import { healthAnswer, probe } from '@lexigraph/contracts';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, RequireScope } from '@lexigraph/auth';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { GatewayDatabase } from './database';
import { GatewayMetrics } from './metrics';
import { GatewayLifecycle } from './lifecycle';
import { REDIS } from './tokens';

@ApiTags('operations')
@Controller()
export class HealthController {
  private readonly log = new Logger('Health');

  constructor(
    @Inject(GatewayDatabase) private readonly db: GatewayDatabase,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(GatewayLifecycle) private readonly lifecycle: GatewayLifecycle,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({
    summary: 'Database, Redis and the first load of the indexes: 200 when all are up, else 503 (queries are still answered from the loaded indexes); a small fixed body',
  })
  async health(@Res() reply: FastifyReply): Promise<void> {
    const down = (what: string) => (reason: string) => this.log.debug(`health: ${what} down: ${reason}`);
    const [database, redis] = await Promise.all([
      // A gateway started without the database tries to open it here too, so health reports it up once it answers.
      probe(async () => (await this.db.get()).ping(), down('database')),
      probe(() => this.redis.ping(), down('redis')),
    ]);
    const { statusCode, body } = healthAnswer('gateway', { database, redis, indexes: this.lifecycle.ready ? 'up' : 'down' });
    await reply.status(statusCode).send(body);
  }

  @Get('metrics')
  @RequireScope('admin')
  @ApiBearerAuth()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
