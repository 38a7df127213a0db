import { AppError, CollectionName, QueryBody, parseOrThrow } from '@lexigraph/contracts';
import { ParamError, parseParams, validateParams, type Answer, type QueryParams } from '@lexigraph/core';
import { AnswerCache } from './answer-cache';
import type { IndexRegistry } from './index-registry';
import type { GatewayMetrics } from './metrics';

/** The gateway's answer: the engine's answer plus the collection and the index version that produced it. */
export type GatewayAnswer = Answer & { collection: string; indexVersion: number };

/** Values of a saved parameter profile for a collection; throws AppError VALIDATION for an unknown name. */
export type ProfileLoader = (collection: string, name: string) => Promise<Record<string, string>>;

/** Parses `key=value` strings with the engine, reporting a bad key as the field `<where>.<key>`. */
function parseNamed(kv: Record<string, string>, where: string): Partial<QueryParams> {
  try {
    return parseParams(kv);
  } catch (err) {
    if (err instanceof ParamError) throw new AppError(err.code, `${where}.${err.param}: ${err.message}`, { field: `${where}.${err.param}` });
    throw err;
  }
}

/**
 * Answers a query: validates the collection name and the body (zod, then the engine's parameter parser), layers
 * the parameters (collection defaults < profile < the body's params), and asks the served index.
 */
/** An answer serialized once: the JSON text sent to clients, and whether it found anything (for the metrics). */
export interface SerializedAnswer {
  json: string;
  answered: boolean;
  indexVersion: number;
}

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
   * Answers `body` on `collection` as JSON text (a GatewayAnswer). Repeated queries on the same index version come
   * from the answer cache already serialized, so a hit costs neither the engine nor JSON.stringify.
   */
  async answer(collection: unknown, body: unknown): Promise<SerializedAnswer> {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    const query = parseOrThrow(QueryBody, body ?? {}, 'query body');
    const given = parseNamed(query.params, 'params');
    const served = this.registry.get(name) ?? (await this.registry.require(name));
    const profile = query.profile ? parseNamed(await this.profiles(name, query.profile), `profile ${query.profile}`) : {};
    const params = { ...served.defaults, ...profile, ...given };
    try {
      validateParams(params);
    } catch (err) {
      if (err instanceof ParamError) throw new AppError(err.code, `params.${err.param}: ${err.message}`, { field: `params.${err.param}` });
      throw err;
    }
    const key = this.cache.capacity > 0 ? `${name}\u0000${served.version}\u0000${query.prompt}\u0000${JSON.stringify(params)}` : '';
    let result = key ? this.cache.get(key) : undefined;
    if (result) this.metrics.cacheHits.inc({ collection: name });
    else {
      const answer: GatewayAnswer = Object.assign(served.index.ask(query.prompt, params), { collection: name, indexVersion: served.version });
      result = { json: JSON.stringify(answer), answered: !answer.noAnswer && answer.results.length > 0, indexVersion: served.version };
      if (key) this.cache.set(key, result);
    }
    if (result.answered) this.metrics.answers.inc({ collection: name });
    else this.metrics.noAnswers.inc({ collection: name });
    return result;
  }
}
