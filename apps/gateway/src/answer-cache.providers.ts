import type { Provider } from '@nestjs/common';
import { AnswerCache } from './answer-cache';
import { AnswerCacheMetrics } from './answer-cache-metrics';
import { AnswerWarmer } from './answer-warmer';
import type { AnswerCacheConfig, GatewayConfig } from './config';
import { IndexRegistry } from './index-registry';
import { GatewayMetrics } from './metrics';
import { SharedAnswerCache } from './shared-answer-cache';

/** The answer cache's bounds when the configuration gives none (as `loadConfig` fills them). */
export const DEFAULT_ANSWER_CACHE: AnswerCacheConfig = {
  localBytes: 64 * 1024 * 1024,
  shared: true,
  sharedTtlSeconds: 3600,
  sharedMaxEntryBytes: 256 * 1024,
  sharedPrefix: 'lexigraph:answer:',
  warmCount: 2000,
};

/**
 * The answer cache (in-process and shared layers), its metrics and the warming after each publish, wired to the
 * index registry: every entry the registry starts serving is warmed. Closing the app stops the warming and the
 * shared layer's Redis client.
 */
export function answerCacheProviders(config: GatewayConfig): Provider[] {
  const c = config.answerCache ?? DEFAULT_ANSWER_CACHE;
  return [
    {
      provide: AnswerCache,
      inject: [GatewayMetrics],
      useFactory: (gateway: GatewayMetrics) => {
        // the metrics read the cache's usage, and the cache reports to the metrics: the holder ties the knot
        const holder: { cache?: AnswerCache } = {};
        const metrics = new AnswerCacheMetrics(gateway.registry, () => holder.cache?.localUsage() ?? { count: 0, bytes: 0 });
        const shared = c.shared ? SharedAnswerCache.connect(config.redisUrl, c) : null;
        holder.cache = new AnswerCache({ localEntries: config.cacheSize, localBytes: c.localBytes, shared }, metrics);
        return holder.cache;
      },
    },
    {
      provide: AnswerWarmer,
      inject: [IndexRegistry, AnswerCache],
      useFactory: (registry: IndexRegistry, cache: AnswerCache) => {
        const warmer = new AnswerWarmer(registry, cache, c.warmCount);
        registry.onServed((served) => warmer.schedule(served));
        return warmer;
      },
    },
  ];
}
