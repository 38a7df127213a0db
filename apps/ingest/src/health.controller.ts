import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, RequireScope } from '@lexigraph/auth';
import { healthAnswer, probe, type Logger } from '@lexigraph/contracts';
import { IngestService } from './ingest.service';
import { IngestMetrics } from './metrics';
import { LOGGER } from './tokens';

interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Database and Redis reachable: 200 with every check up, else 503; a small fixed body' })
  async health(@Res() res: JsonResponse): Promise<void> {
    const down = (what: string) => (reason: string) => this.log.debug({ check: what, reason }, `health: ${what} down`);
    const [database, redis] = await Promise.all([
      probe(() => this.ingest.db.ping(), down('database')),
      probe(() => this.ingest.queues.connection.ping(), down('redis')),
    ]);
    const { statusCode, body } = healthAnswer('ingest', { database, redis });
    res.status(statusCode).json(body);
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
