import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from './config';
import { GatewayDatabase } from './database';
import { IndexRegistry } from './index-registry';
import { GATEWAY_CONFIG, REDIS } from './tokens';

/**
 * Loads every collection's published index before the app listens (from the snapshot files when the database is
 * down), then polls the store every `pollMs` as a fallback for missed `index.published` events, which also opens
 * the database once it answers; closes the store and Redis on shutdown.
 */
@Injectable()
export class GatewayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('GatewayLifecycle');
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** True once the first load of every collection is done. */
  ready = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
    @Inject(GatewayDatabase) private readonly db: GatewayDatabase,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.refreshAll();
    this.ready = true;
    const served = this.registry.list();
    this.log.log(served.length ? `serving ${served.map((s) => `${s.collection} v${s.version}`).join(', ')}` : 'no published index yet');
    if (this.config.pollMs > 0) {
      this.timer = setInterval(() => this.poll(), this.config.pollMs);
      this.timer.unref();
    }
  }

  private poll(): void {
    if (this.polling) return; // the previous check is still running
    this.polling = this.registry
      .refreshAll()
      .catch((err: Error) => this.log.error(`version check failed: ${err.message}`))
      .finally(() => {
        this.polling = undefined;
      });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    this.redis.disconnect();
    await this.db.close();
  }
}
