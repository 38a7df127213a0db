import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { callerKey, type Caller, type QueryParams, type StandardPrompt } from '@lexigraph/core';
import { answerResolved } from '@lexigraph/pipeline';
import type { AnswerCacheMetrics, AnswerStage, CacheLayer } from './answer-cache-metrics';
import { AnswerText, type GatewayAnswer } from './answer-serializer';
import type { ServedIndex } from './index-registry';
import { SharedAnswerCache } from './shared-answer-cache';

/** An answer ready to send: its JSON text, whether it found anything, its version, and the layer it came from. */
export interface SerializedAnswer {
  json: string;
  answered: boolean;
  indexVersion: number;
  /** The cache layer that held it; null when it was computed for this request. */
  layer: CacheLayer | null;
}

/** One query as the cache sees it: what was asked of which served index, with which effective parameters. */
export interface AnswerQuery {
  served: ServedIndex;
  prompt: string;
  /** The effective parameters, resolved (every field set: resolveParams). */
  params: QueryParams;
  /** Who asks (its ACL groups; `{}` sees every document): part of the key (callerKey), so a cached answer never
   * reaches a caller who may see less. Default `{}`. */
  caller?: Caller;
}

/**
 * The cache key of an answer: collection, index version (with its publication time, so a collection deleted and
 * created again never meets its predecessor's entries), the caller (callerKey: who sees the same documents), the
 * prompt's standard form and the effective parameters (in the fixed field order of resolveParams).
 */
export function answerKey(q: AnswerQuery, standard: StandardPrompt): string {
  const { collection, version, publishedAt } = q.served;
  return `${collection}\u0000${version}@${publishedAt.getTime()}\u0000${callerKey(q.caller)}\u0000${standard.key}\u0000${JSON.stringify(q.params)}`;
}

/** The standard form of a query's prompt, for its caller. */
function standardize(q: AnswerQuery): StandardPrompt {
  return q.served.index.standardize(q.prompt, q.params, q.caller);
}

export interface AnswerCacheOptions {
  /** Entries of the in-process LRU (0: no in-process layer). */
  localEntries: number;
  /** Bytes of the in-process LRU (its entries' text as UTF-16, two bytes a character, plus their keys). */
  localBytes: number;
  /** The layer shared by the replicas, if any. */
  shared: SharedAnswerCache | null;
}

/**
 * Answers queries through two cache layers: a small in-process LRU (bounded by count and bytes) in front of a Redis
 * layer every replica shares. Keys hold the prompt's standard form (the engine's matched terms in canonical order),
 * so paraphrases the engine treats alike share an entry, and the index version, so no entry outlives its version
 * (a new version's keys differ; old entries age out of the LRU and expire in Redis). An entry is the answer's
 * JSON text after its prompt; a hit puts the prompt as asked in front, so the answer is the one computed for this
 * prompt (timings aside). Redis errors never fail a query: the answer is computed, and the error counted.
 */
export class AnswerCache implements OnApplicationShutdown {
  private readonly log = new Logger('AnswerCache');
  private readonly local: LRUCache<string, AnswerText> | null;
  private readonly shared: SharedAnswerCache | null;
  private lastSharedError = 0;

  constructor(
    options: AnswerCacheOptions,
    readonly metrics: AnswerCacheMetrics,
  ) {
    this.local =
      options.localEntries > 0
        ? new LRUCache<string, AnswerText>({
            max: options.localEntries,
            maxSize: options.localBytes,
            sizeCalculation: (text, key) => 2 * (text.length + key.length) + 64,
          })
        : null;
    this.shared = options.shared;
  }

  /** Whether any layer is on (else every answer is computed and nothing is standardized for a key). */
  get enabled(): boolean {
    return this.local !== null || this.shared !== null;
  }

  /** Entries and bytes of the in-process layer. */
  localUsage(): { count: number; bytes: number } {
    return { count: this.local?.size ?? 0, bytes: this.local?.calculatedSize ?? 0 };
  }

  /**
   * The answer to `q`: from the in-process layer, else the shared one, else computed (then stored in both).
   * `current` gives the entry served now for the collection: when it changed while Redis was asked (a newer
   * version, possibly applied in place to the same index), the query starts over on it, so an answer is always
   * computed on the index state its version names.
   */
  async answer(q: AnswerQuery, current: () => ServedIndex | undefined): Promise<SerializedAnswer> {
    if (!this.enabled) {
      const text = this.compute(q);
      return { json: text.withPrompt(q.prompt), answered: text.answered, indexVersion: q.served.version, layer: null };
    }
    for (let attempt = 0; ; attempt++) {
      const served = q.served;
      const standard = this.timed('standardize', () => standardize(q));
      const key = answerKey(q, standard);
      if (this.local) {
        const t0 = performance.now();
        const hit = this.local.get(key);
        this.observe('local', t0);
        this.metrics.lookups.inc({ layer: 'local', result: hit ? 'hit' : 'miss' });
        if (hit) return this.reply(q, hit, 'local');
      }
      const redisKey = this.shared ? SharedAnswerCache.redisKey(served.collection, served.version, key) : '';
      if (this.shared) {
        const t0 = performance.now();
        let hit: AnswerText | undefined;
        try {
          hit = await this.shared.get(redisKey);
          this.metrics.lookups.inc({ layer: 'shared', result: hit ? 'hit' : 'miss' });
        } catch (err) {
          this.sharedFailed(err as Error);
        }
        this.observe('shared', t0);
        if (hit) {
          this.local?.set(key, hit);
          return this.reply(q, hit, 'shared');
        }
        const now = current();
        if (now && now !== served && attempt === 0) {
          q = { ...q, served: now };
          continue;
        }
      }
      const text = this.compute(q, standard);
      this.store(key, redisKey, text);
      return this.reply(q, text, null);
    }
  }

  /**
   * Computes and stores the answer to `q` unless its standard form is cached in this process already: the warming
   * after a publish (AnswerWarmer). Does not count as lookups. Resolves to whether it computed.
   */
  warm(q: AnswerQuery): boolean {
    const standard = standardize(q);
    const key = answerKey(q, standard);
    if (this.local?.has(key)) return false;
    const redisKey = this.shared ? SharedAnswerCache.redisKey(q.served.collection, q.served.version, key) : '';
    this.store(key, redisKey, this.compute(q, standard));
    return true;
  }

  /** Claims the warming of one version among the replicas (always true without a shared layer). */
  async claimWarming(served: ServedIndex): Promise<boolean> {
    if (!this.shared) return true;
    return this.shared.claim(`warm:${served.collection}:${served.version}@${served.publishedAt.getTime()}`);
  }

  /** Closes the shared layer's Redis client (Nest calls it when the app closes). */
  onApplicationShutdown(): void {
    this.shared?.close();
  }

  private compute(q: AnswerQuery, standard?: StandardPrompt): AnswerText {
    const answer: GatewayAnswer = answerResolved(q.served, q, q.caller, standard);
    this.metrics.stageSeconds.observe({ stage: 'rank' }, answer.timings.rankMs / 1000);
    this.metrics.stageSeconds.observe({ stage: 'cite' }, answer.timings.answerMs / 1000);
    return this.timed('serialize', () => AnswerText.of(answer));
  }

  private store(key: string, redisKey: string, text: AnswerText): void {
    this.local?.set(key, text);
    if (this.shared) this.shared.set(redisKey, text).catch((err: Error) => this.sharedFailed(err));
  }

  private reply(q: AnswerQuery, text: AnswerText, layer: CacheLayer | null): SerializedAnswer {
    return { json: text.withPrompt(q.prompt), answered: text.answered, indexVersion: q.served.version, layer };
  }

  private sharedFailed(err: Error): void {
    this.metrics.lookups.inc({ layer: 'shared', result: 'error' });
    // one line per 10 s at most: a Redis outage must not flood the log at thousands of queries a second
    const now = Date.now();
    if (now - this.lastSharedError > 10_000) {
      this.lastSharedError = now;
      this.log.warn(`shared answer cache failed, answering without it (counted in lexigraph_gateway_answer_cache_lookups_total{result="error"}): ${err.message}`);
    }
  }

  private timed<T>(stage: AnswerStage, run: () => T): T {
    const t0 = performance.now();
    const out = run();
    this.observe(stage, t0);
    return out;
  }

  private observe(stage: AnswerStage, t0: number): void {
    this.metrics.stageSeconds.observe({ stage }, (performance.now() - t0) / 1000);
  }
}
