import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { AppError } from '@lexigraph/contracts';
import type { Principal } from '@lexigraph/auth';

/**
 * Counts in Redis (shared by every gateway replica) through `inner`, but lets requests through while Redis cannot
 * answer: a gateway keeps serving queries during a Redis outage, unlimited until Redis is back, rather than failing
 * every request over a counter.
 */
export class FailOpenStorage implements ThrottlerStorage {
  private readonly log = new Logger('RateLimit');
  private failing = false;

  constructor(private readonly inner: ThrottlerStorage) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      const record = await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.failing) this.log.log('rate limits counted in Redis again');
      this.failing = false;
      return record;
    } catch (err) {
      if (!this.failing) this.log.warn(`rate limits not enforced while Redis does not answer: ${(err as Error).message}`);
      this.failing = true;
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}

/**
 * The rate limit of the gateway: per key (a tenant token counts for the key that signed it), per client address
 * when authentication is off. Runs after the AuthGuard, which sets the principal. Past the limit: 429
 * RATE_LIMITED with `Retry-After` (seconds). `/health` is not counted.
 */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.lexigraphPrincipal as Principal | undefined;
    if (principal && principal.kind !== 'open') return `key:${principal.actor}`;
    return `ip:${String(req.ip ?? 'unknown')}`;
  }

  /** One counter per key across every route (the library's default counts each route apart). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `lexigraph:rate:${name}:${tracker}`;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ lexigraphPrincipal?: Principal }>();
    // Public routes (health) carry no principal set by the guard and are not limited.
    return req.lexigraphPrincipal === undefined;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppError('RATE_LIMITED', `rate limit: more than ${detail.limit} requests in ${detail.ttl / 1000} s for this key; retry after ${detail.timeToBlockExpire} s`, {
      limit: detail.limit,
      retryAfterSeconds: detail.timeToBlockExpire,
    });
  }
}
