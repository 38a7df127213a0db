import { setImmediate as nextTurn } from 'node:timers/promises';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { resolveParams } from '@lexigraph/core';
import type { AnswerCache } from './answer-cache';
import type { IndexRegistry, ServedIndex } from './index-registry';

/** Likely prompts looked at per answer computed, at most: most paraphrase one another (same standard form). */
const LOOKS_PER_ANSWER = 4;

/**
 * Warms the answer cache after a version is served: computes the answers of the collection's most likely prompts
 * (its titles, defined terms, headings and most frequent distilled multi-tokens; `LexIndex.likelyPrompts`) under
 * its default parameters, up to `count` answers, so the first minutes of a new version are answered from the
 * cache. One replica warms a version (a claim in the shared cache); the others read its answers from Redis.
 *
 * Live queries come first: the job yields to the event loop after every answer (one answer costs about a
 * millisecond), and it stops as soon as the collection serves another entry (a newer version warms in its turn).
 */
export class AnswerWarmer implements OnApplicationShutdown {
  private readonly log = new Logger('AnswerWarmer');
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly registry: IndexRegistry,
    private readonly cache: AnswerCache,
    private readonly count: number,
  ) {}

  /** Starts warming `served` in the background (nothing when warming or the cache is off). */
  schedule(served: ServedIndex): void {
    if (this.count <= 0 || !this.cache.enabled || this.closed) return;
    const job = this.warm(served).catch((err: Error) =>
      this.log.error(`warming "${served.collection}" version ${served.version} stopped: ${err.message}`),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  /** Stops every job at its next answer and waits for them (Nest calls it when the app closes). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running]);
  }

  /** Warms one served entry; resolves to the answers computed. */
  async warm(served: ServedIndex): Promise<number> {
    const { collection, version } = served;
    await nextTurn(); // after the swap that scheduled it has finished
    if (!this.still(served)) return 0;
    let claimed: boolean;
    try {
      claimed = await this.cache.claimWarming(served);
    } catch (err) {
      // Redis is away: no replica can share its answers, so each warms its own layer
      this.log.warn(`could not claim the warming of "${collection}" version ${version} (${(err as Error).message}); warming this replica's cache`);
      claimed = true;
    }
    if (!claimed) {
      this.log.log(`"${collection}" version ${version} is warmed by another replica`);
      return 0;
    }
    const t0 = performance.now();
    const params = resolveParams(served.defaults);
    let computed = 0;
    let looked = 0;
    for (const prompt of served.index.likelyPrompts()) {
      if (!this.still(served) || computed >= this.count || looked >= this.count * LOOKS_PER_ANSWER) break;
      looked++;
      const fresh = this.cache.warm({ served, prompt, params });
      this.cache.metrics.warmed.inc({ collection, result: fresh ? 'computed' : 'present' });
      if (fresh) {
        computed++;
        await nextTurn();
      }
    }
    this.log.log(`warmed "${collection}" version ${version}: ${computed} answers for ${looked} likely prompts in ${(performance.now() - t0).toFixed(0)} ms`);
    return computed;
  }

  /** Whether `served` is still what its collection serves (and the app is not closing). */
  private still(served: ServedIndex): boolean {
    return !this.closed && this.registry.get(served.collection) === served;
  }
}
