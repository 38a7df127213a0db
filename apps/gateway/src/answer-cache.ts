import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Caller, QueryParams, StandardPrompt } from '@lexigraph/core';
import { answerResolved } from '@lexigraph/pipeline';
import type { AnswerCacheMetrics, AnswerStage, CacheLayer } from './answer-cache-metrics';
import { AnswerText, type GatewayAnswer } from './answer-serializer';
import type { ServedIndex } from './index-registry';
import { SharedAnswerCache } from './shared-answer-cache';

/** An answer ready to send: its UTF-8 JSON bytes, whether it found anything, its version, and the layer it came from. */
export interface SerializedAnswer {
  body: Buffer;
  answered: boolean;
  indexVersion: number;
  /** The cache layer that held it; null when it was computed for this request. */
  layer: CacheLayer | null;
}

/** One query as the cache sees it: what was asked of which served index, with which effective parameters. */
export interface AnswerQuery {
  served: ServedIndex;
  prompt: string;
  /** The effective parameters, resolved (every field set: resolveParams). Pass the same object for the same
   * parameters (QueryService does): its JSON text, part of every key, is then written once. */
  params: QueryParams;
  /** Who asks (its ACL groups; `{}` sees every document): part of the key (the index's audienceKey), so a cached
   * answer never reaches a caller who may see less. Default `{}`. */
  caller?: Caller;
}

/** The JSON text of each parameters object met, written once (params objects are not changed once resolved). */
const paramsText = new WeakMap<QueryParams, string>();
function paramsKey(params: QueryParams): string {
  let text = paramsText.get(params);
  if (text === undefined) paramsText.set(params, (text = JSON.stringify(params)));
  return text;
}

/**
 * What a key holds besides the prompt: collection, index version (with its publication time, so a collection
 * deleted and created again never meets its predecessor's entries), the caller's audience (the index's audienceKey:
 * "*" for every caller who sees all its documents, so tenants who may see everything share the entries, warmed ones
 * included, of unrestricted callers; else the caller's groups) and the effective parameters (in the fixed field
 * order of resolveParams).
 */
function scopeKey(q: AnswerQuery, audience = q.served.index.audienceKey(q.caller)): string {
  const { collection, version, publishedAt } = q.served;
  return `${collection}\u0000${version}@${publishedAt.getTime()}\u0000${audience}\u0000${paramsKey(q.params)}`;
}

/**
 * A scope as the in-process layer meets it: its key (scopeKey) and a short id that stands for it in alias keys. A
 * scope's key runs to hundreds of characters (the parameters' JSON): put in front of every prompt as asked, a lookup
 * hashed it again each time (2.5 µs of lru-cache's get per alias, by a CPU profile of the gateway under Zipf
 * traffic); the id keeps alias keys as short as the prompt. Ids are never reused in a process.
 */
interface Scope {
  key: string;
  id: string;
}

/** Audiences (ACL groups met) whose scopes are kept per served entry and parameters object; past it they start over. */
const AUDIENCES_KEPT = 1024;

/** The cache key of an answer: its scope (scopeKey) and the prompt's standard form. */
export function answerKey(q: AnswerQuery, standard: StandardPrompt): string {
  return `${scopeKey(q)}\u0000${standard.key}`;
}

/** The standard form of a query's prompt, for its caller. */
function standardize(q: AnswerQuery): StandardPrompt {
  return q.served.index.standardize(q.prompt, q.params, q.caller);
}

/**
 * An entry of the in-process layer: the answer's bytes after its prompt, one query that had it (to answer again on
 * the next version: AnswerCache.hotQueries) and how many requests it served.
 */
interface LocalEntry {
  text: AnswerText;
  prompt: string;
  params: QueryParams;
  caller: Caller;
  hits: number;
}

/** Prompts as asked whose standard form the in-process layer remembers, per entry it holds. */
const ALIASES_PER_ENTRY = 4;

export interface AnswerCacheOptions {
  /** Entries of the in-process LRU (0: no in-process layer). */
  localEntries: number;
  /** Bytes of the in-process LRU (its entries' UTF-8 bytes, plus their keys as UTF-16, two bytes a character). */
  localBytes: number;
  /** The layer shared by the replicas, if any. */
  shared: SharedAnswerCache | null;
}

/**
 * Answers queries through two cache layers: a small in-process LRU (bounded by count and bytes) in front of a Redis
 * layer every replica shares. Keys hold the prompt's standard form (the engine's matched terms in canonical order),
 * so paraphrases the engine treats alike share an entry, and the index version, so no entry outlives its version
 * (a new version's keys differ; old entries age out of the LRU and expire in Redis). An entry is the answer's UTF-8
 * JSON bytes after its prompt; a hit writes the prompt as asked in front, so the answer is the one computed for this
 * prompt (timings aside), sent with no serializing. Redis errors never fail a query: the answer is computed, and the
 * error counted.
 *
 * A hit costs no matching either: the in-process layer remembers the standard key of each prompt as asked (up to
 * ALIASES_PER_ENTRY per entry it holds, under the same scope: version, caller, parameters, named by a short id), so
 * a prompt asked again is one map lookup, then the entry. The shared layer is asked only on an in-process miss.
 */
export class AnswerCache implements OnApplicationShutdown {
  private readonly log = new Logger('AnswerCache');
  private readonly local: LRUCache<string, LocalEntry> | null;
  /** Prompt as asked (after its scope's id) → its standard key: standardizing once per prompt and scope. */
  private readonly aliases: LRUCache<string, string> | null;
  private readonly shared: SharedAnswerCache | null;
  private lastSharedError = 0;
  /** Scopes by served entry, parameters object and audience (see Scope): made once, then the same objects. */
  private readonly scopes = new WeakMap<ServedIndex, WeakMap<QueryParams, Map<string, Scope>>>();
  private scopesMade = 0;

  constructor(
    options: AnswerCacheOptions,
    readonly metrics: AnswerCacheMetrics,
  ) {
    this.local =
      options.localEntries > 0
        ? new LRUCache<string, LocalEntry>({
            max: options.localEntries,
            maxSize: options.localBytes,
            sizeCalculation: (entry, key) => entry.text.length + 2 * (key.length + entry.prompt.length) + 96,
          })
        : null;
    // keys and values are strings (UTF-16): bounded by count, and by a quarter of the layer's bytes
    this.aliases =
      options.localEntries > 0
        ? new LRUCache<string, string>({
            max: options.localEntries * ALIASES_PER_ENTRY,
            maxSize: Math.max(1, Math.floor(options.localBytes / 4)),
            sizeCalculation: (standardKey, key) => 2 * (key.length + standardKey.length) + 64,
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
      return this.reply(q, text, null);
    }
    for (let attempt = 0; ; attempt++) {
      const served = q.served;
      const t0 = performance.now();
      const scope = this.scopeOf(q);
      const alias = `${scope.id}\u0000${q.prompt}`;
      // a prompt asked before under this scope: its standard key without matching it again
      let standard: StandardPrompt | undefined;
      let key = this.aliases?.get(alias);
      if (key === undefined) {
        standard = standardize(q);
        key = `${scope.key}\u0000${standard.key}`;
        this.aliases?.set(alias, key);
        this.observe('standardize', t0);
      }
      if (this.local) {
        const t1 = performance.now();
        const hit = this.local.get(key);
        this.observe('local', t1);
        this.metrics.lookups.inc({ layer: 'local', result: hit ? 'hit' : 'miss' });
        if (hit) {
          hit.hits++;
          return this.reply(q, hit.text, 'local');
        }
      }
      const redisKey = this.shared ? this.shared.redisKey(served.collection, served.version, key) : '';
      if (this.shared) {
        const t1 = performance.now();
        let hit: AnswerText | undefined;
        try {
          hit = await this.shared.get(redisKey);
          this.metrics.lookups.inc({ layer: 'shared', result: hit ? 'hit' : 'miss' });
        } catch (err) {
          this.sharedFailed(err as Error);
        }
        this.observe('shared', t1);
        if (hit) {
          this.keep(key, hit, q, 1);
          return this.reply(q, hit, 'shared');
        }
        const now = current();
        if (now && now !== served && attempt === 0) {
          q = { ...q, served: now };
          continue;
        }
      }
      const text = this.compute(q, standard);
      this.store(key, redisKey, text, q, 1);
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
    const redisKey = this.shared ? this.shared.redisKey(q.served.collection, q.served.version, key) : '';
    this.store(key, redisKey, this.compute(q, standard), q, 0);
    return true;
  }

  /**
   * The queries this process answered most often from its in-process layer on versions of `served`'s collection
   * other than `served`, most hits first, at most `count`, put to `served`: answering them first after a publish
   * carries the hot set of the previous version over to the new one (AnswerWarmer). Entries that served no request
   * (warmed, never asked) are left out.
   */
  hotQueries(served: ServedIndex, count: number): AnswerQuery[] {
    if (!this.local || count <= 0) return [];
    const collection = `${served.collection}\u0000`;
    const own = `${collection}${served.version}@${served.publishedAt.getTime()}\u0000`;
    const hot: LocalEntry[] = [];
    for (const [key, entry] of this.local.entries()) {
      if (entry.hits > 0 && key.startsWith(collection) && !key.startsWith(own)) hot.push(entry);
    }
    hot.sort((a, b) => b.hits - a.hits);
    return hot.slice(0, count).map((e) => ({ served, prompt: e.prompt, params: e.params, caller: e.caller }));
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

  /** The scope of `q`: the same object for the same served entry, parameters object and audience. */
  private scopeOf(q: AnswerQuery): Scope {
    let byParams = this.scopes.get(q.served);
    if (!byParams) this.scopes.set(q.served, (byParams = new WeakMap()));
    let byAudience = byParams.get(q.params);
    if (!byAudience) byParams.set(q.params, (byAudience = new Map()));
    const audience = q.served.index.audienceKey(q.caller);
    let scope = byAudience.get(audience);
    if (!scope) {
      if (byAudience.size >= AUDIENCES_KEPT) byAudience.clear();
      scope = { key: scopeKey(q, audience), id: (this.scopesMade++).toString(36) };
      byAudience.set(audience, scope);
    }
    return scope;
  }

  private compute(q: AnswerQuery, standard?: StandardPrompt): AnswerText {
    const answer: GatewayAnswer = answerResolved(q.served, q, q.caller, standard);
    this.metrics.stageSeconds.observe({ stage: 'rank' }, answer.timings.rankMs / 1000);
    this.metrics.stageSeconds.observe({ stage: 'cite' }, answer.timings.answerMs / 1000);
    const t0 = performance.now();
    const text = AnswerText.of(answer);
    this.observe('serialize', t0);
    return text;
  }

  /** Keeps an answer in the in-process layer, with the query it answers and the requests it served so far. */
  private keep(key: string, text: AnswerText, q: AnswerQuery, hits: number): void {
    this.local?.set(key, { text, prompt: q.prompt, params: q.params, caller: q.caller ?? {}, hits });
  }

  private store(key: string, redisKey: string, text: AnswerText, q: AnswerQuery, hits: number): void {
    this.keep(key, text, q, hits);
    if (this.shared) this.shared.set(redisKey, text).catch((err: Error) => this.sharedFailed(err));
  }

  private reply(q: AnswerQuery, text: AnswerText, layer: CacheLayer | null): SerializedAnswer {
    return { body: text.withPrompt(q.prompt), answered: text.answered, indexVersion: q.served.version, layer };
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

  private observe(stage: AnswerStage, t0: number): void {
    this.metrics.stageSeconds.observe({ stage }, (performance.now() - t0) / 1000);
  }
}
