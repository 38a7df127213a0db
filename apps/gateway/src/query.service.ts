import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { resolveParams, type Caller, type QueryParams } from '@lexigraph/core';
import { resolveQuery, type ProfileLoader } from '@lexigraph/pipeline';
import type { AnswerCache, SerializedAnswer } from './answer-cache';
import type { IndexRegistry, ServedIndex } from './index-registry';
import type { GatewayMetrics } from './metrics';

export type { GatewayAnswer } from './answer-serializer';
export type { SerializedAnswer } from './answer-cache';
export type { ProfileLoader } from '@lexigraph/pipeline';

/** Distinct parameter sets kept resolved per served entry (bodies choose them: the map must stay bounded). */
const RESOLVED_KEPT = 256;

/**
 * Answers a query through the read-and-answer service the CLI uses too (`resolveQuery`, `answerResolved` of the
 * pipeline: the query contract, then collection defaults < profile < the body's params), on the served index,
 * through the answer cache.
 */
export class QueryService {
  /** Resolved parameters per served entry and layered parameters (JSON), so equal parameters are one object. */
  private readonly resolved = new WeakMap<ServedIndex, Map<string, QueryParams>>();

  /** @param cache the answer cache (AnswerCache: in-process and shared layers, either or both off). */
  constructor(
    private readonly registry: IndexRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly profiles: ProfileLoader,
    private readonly cache: AnswerCache,
  ) {}

  /**
   * Answers `body` on `collection` as JSON text (a GatewayAnswer), showing only the documents `caller` may see (its
   * ACL groups come from the authenticated request, e.g. a tenant token; `{}` sees every document). Queries whose
   * prompts have the same standard form on the same index version and parameters, by callers who see the same
   * documents, come from the answer cache already serialized (see AnswerCache).
   */
  async answer(collection: unknown, body: unknown, caller: Caller = {}): Promise<SerializedAnswer> {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    const served = this.registry.get(name) ?? (await this.registry.require(name));
    const query = await resolveQuery(served, body, this.profiles);
    const result = await this.cache.answer({ served, prompt: query.prompt, params: this.paramsOf(served, query.params), caller }, () => this.registry.get(name));
    if (result.layer) this.metrics.cacheHits.inc({ collection: name });
    if (result.answered) this.metrics.answers.inc({ collection: name });
    else this.metrics.noAnswers.inc({ collection: name });
    return result;
  }

  /**
   * `resolveParams(layered)`, the same object for the same layered parameters on the same served entry (at most
   * RESOLVED_KEPT kept per entry; a ServedIndex is replaced, never changed, when its defaults change).
   */
  private paramsOf(served: ServedIndex, layered: Partial<QueryParams>): QueryParams {
    let byLayers = this.resolved.get(served);
    if (!byLayers) this.resolved.set(served, (byLayers = new Map()));
    const key = JSON.stringify(layered);
    let params = byLayers.get(key);
    if (!params) {
      if (byLayers.size >= RESOLVED_KEPT) byLayers.clear();
      byLayers.set(key, (params = Object.freeze(resolveParams(layered))));
    }
    return params;
  }
}
