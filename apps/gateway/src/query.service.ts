import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { answerResolved, resolveQuery, type CollectionAnswer, type ProfileLoader } from '@lexigraph/pipeline';
import { callerKey, type Caller } from '@lexigraph/core';
import { AnswerCache } from './answer-cache';
import type { IndexRegistry } from './index-registry';
import type { GatewayMetrics } from './metrics';

/** The gateway's answer: the engine's answer plus the collection and the index version that produced it. */
export type GatewayAnswer = CollectionAnswer;

export type { ProfileLoader } from '@lexigraph/pipeline';

/** An answer serialized once: the JSON text sent to clients, and whether it found anything (for the metrics). */
export interface SerializedAnswer {
  json: string;
  answered: boolean;
  indexVersion: number;
}

/**
 * Answers a query through the read-and-answer service the CLI uses too (`resolveQuery`, `answerResolved` of the
 * pipeline: the query contract, then collection defaults < profile < the body's params), on the served index.
 */
export class QueryService {
  private readonly cache: AnswerCache<SerializedAnswer>;

  /** @param cacheSize answers kept for repeated prompts (per collection, version, prompt and parameters); 0 = off. */
  constructor(
    private readonly registry: IndexRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly profiles: ProfileLoader,
    cacheSize = 0,
  ) {
    this.cache = new AnswerCache(cacheSize);
  }

  /**
   * Answers `body` on `collection` as JSON text (a GatewayAnswer), showing only the documents `caller` may see (its
   * ACL groups come from the authenticated request, e.g. a tenant token; `{}` sees every document). Repeated queries
   * on the same index version, by callers who see the same documents, come from the answer cache already serialized,
   * so a hit costs neither the engine nor JSON.stringify.
   */
  async answer(collection: unknown, body: unknown, caller: Caller = {}): Promise<SerializedAnswer> {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    const served = this.registry.get(name) ?? (await this.registry.require(name));
    const query = await resolveQuery(served, body, this.profiles);
    // the caller's groups are part of the key: an answer is never served to a caller who may see less
    const key = this.cache.capacity > 0 ? `${name}\u0000${served.version}\u0000${callerKey(caller)}\u0000${query.prompt}\u0000${JSON.stringify(query.params)}` : '';
    let result = key ? this.cache.get(key) : undefined;
    if (result) this.metrics.cacheHits.inc({ collection: name });
    else {
      const answer: GatewayAnswer = answerResolved(served, query, caller);
      result = { json: JSON.stringify(answer), answered: !answer.noAnswer && answer.results.length > 0, indexVersion: served.version };
      if (key) this.cache.set(key, result);
    }
    if (result.answered) this.metrics.answers.inc({ collection: name });
    else this.metrics.noAnswers.inc({ collection: name });
    return result;
  }
}
