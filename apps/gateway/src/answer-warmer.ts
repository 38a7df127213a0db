import { setImmediate as nextTurn, setTimeout as pause } from 'node:timers/promises';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { resolveParams } from '@lexigraph/core';
import type { AnswerCache, AnswerQuery } from './answer-cache';
import type { IndexRegistry, ServedIndex } from './index-registry';

/** Likely prompts looked at per answer computed, at most: most paraphrase one another (same standard form). */
const LOOKS_PER_ANSWER = 4;

/**
 * Warms the answer cache after a version is served, most likely queries first, up to `count` answers: first the
 * hot set of the version served before (the queries this process answered most often from its in-process layer,
 * most hits first, with their parameters and callers: AnswerCache.hotQueries), then the collection's likely prompts
 * (its titles, defined terms, headings and most frequent distilled multi-tokens; `LexIndex.likelyPrompts`) under
 * its default parameters, so the first minutes of a new version are answered from the cache. One replica warms a
 * version (a claim in the shared cache); the others read its answers from Redis.
 *
 * Live queries come first: after every answer computed (about a millisecond), the job leaves the event loop to them
 * for as long as the answer took, and it stops as soon as the collection serves another entry (a newer version warms
 * in its turn).
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
    this.cache.metrics.warming.inc();
    try {
      const computed = await this.answerAll(served);
      this.log.log(`warmed "${collection}" version ${version}: ${computed.hot} answers of the previous version's hot set, ${computed.likely} for ${computed.looked} likely prompts, in ${(performance.now() - t0).toFixed(0)} ms`);
      return computed.hot + computed.likely;
    } finally {
      this.cache.metrics.warming.dec();
    }
  }

  /** The hot set carried over, then the likely prompts, within the count; stops when `served` is replaced. */
  private async answerAll(served: ServedIndex): Promise<{ hot: number; likely: number; looked: number }> {
    const out = { hot: 0, likely: 0, looked: 0 };
    for (const query of this.cache.hotQueries(served, this.count)) {
      if (!this.still(served)) return out;
      if (await this.answerOne(query)) out.hot++;
    }
    const params = resolveParams(served.defaults);
    for (const prompt of served.index.likelyPrompts()) {
      if (!this.still(served) || out.hot + out.likely >= this.count || out.looked >= this.count * LOOKS_PER_ANSWER) break;
      out.looked++;
      if (await this.answerOne({ served, prompt, params })) out.likely++;
    }
    return out;
  }

  /**
   * Answers one query into the cache unless it is there; then yields to live queries for as long as computing took
   * (at least one turn of the event loop), so the warming takes at most about half of the process's time while
   * requests come in, instead of one answer per turn against them.
   */
  private async answerOne(query: AnswerQuery): Promise<boolean> {
    const t0 = performance.now();
    const fresh = this.cache.warm(query);
    this.cache.metrics.warmed.inc({ collection: query.served.collection, result: fresh ? 'computed' : 'present' });
    if (fresh) await pause(performance.now() - t0);
    return fresh;
  }

  /** Whether `served` is still what its collection serves (and the app is not closing). */
  private still(served: ServedIndex): boolean {
    return !this.closed && this.registry.get(served.collection) === served;
  }
}
