import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { resolveParams, type Caller, type QueryParams } from '@lexigraph/core';
import { resolveQuery, type ProfileLoader } from '@lexigraph/pipeline';
import type { Principal } from '@lexigraph/auth';
import { LRUCache } from 'lru-cache';
import type { AnswerCache, SerializedAnswer } from './answer-cache';
import type { IndexRegistry, ServedIndex } from './index-registry';
import type { GatewayMetrics } from './metrics';

export type { GatewayAnswer } from './answer-serializer';
export type { SerializedAnswer } from './answer-cache';
export type { ProfileLoader } from '@lexigraph/pipeline';

/** Distinct parameter sets kept resolved per served entry (bodies choose them: the map must stay bounded). */
const RESOLVED_KEPT = 256;

/** Request bodies remembered per served entry (see QueryService.known), and their bytes at most. */
const BODIES_KEPT = 20_000;
const BODIES_BYTES = 4 * 1024 * 1024;
/** Largest body remembered, in bytes: a prompt of a few hundred characters with parameters fits many times over. */
export const KNOWN_BODY_MAX_BYTES = 4096;

/** A body answered before on a served entry: the query it validated to, ready to answer again. */
export interface KnownQuery {
  served: ServedIndex;
  prompt: string;
  params: QueryParams;
}

/** The caller a principal asks as: a tenant token's ACL groups; any other principal sees every document. */
export function callerOf(principal: Principal): Caller {
  return principal.aclGroups === undefined ? {} : { aclGroups: principal.aclGroups };
}

/**
 * Answers a query through the read-and-answer service the CLI uses too (`resolveQuery`, `answerResolved` of the
 * pipeline: the query contract, then collection defaults < profile < the body's params), on the served index,
 * through the answer cache.
 */
export class QueryService {
  /** Resolved parameters per served entry and layered parameters (JSON), so equal parameters are one object. */
  private readonly resolved = new WeakMap<ServedIndex, Map<string, QueryParams>>();
  /** Per served entry: the bytes of a JSON body answered before (as latin1 text, one character a byte) → its query. */
  private readonly bodies = new WeakMap<ServedIndex, LRUCache<string, KnownQuery>>();

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
   * documents, come from the answer cache already serialized (see AnswerCache). `bytes`: the body as received (JSON),
   * remembered once it validates, so the same bytes are answered again without parsing or validating (`known`).
   */
  async answer(collection: unknown, body: unknown, caller: Caller = {}, bytes?: Buffer): Promise<SerializedAnswer> {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    const served = this.registry.get(name) ?? (await this.registry.require(name));
    const resolved = await resolveQuery(served, body, this.profiles);
    const query: KnownQuery = { served, prompt: resolved.prompt, params: this.paramsOf(served, resolved.params) };
    // A profile's values can change (a saved profile) while the same entry is served: such bodies are resolved anew.
    if (bytes && (body as { profile?: unknown }).profile === undefined) this.remember(query, bytes);
    return this.answerKnown(query, caller);
  }

  /**
   * The query of a JSON body whose exact bytes were answered before on the entry `collection` serves now, or
   * undefined (a body never seen, another version served, a collection not served): with the same bytes, the same
   * stored defaults and no profile, validating and layering again would give the same query. No side effects.
   */
  known(collection: string, bytes: Buffer): KnownQuery | undefined {
    const served = this.registry.get(collection);
    return served && bytes.length <= KNOWN_BODY_MAX_BYTES ? this.bodies.get(served)?.get(bytes.toString('latin1')) : undefined;
  }

  /** Answers a validated query for `caller` through the answer cache, and counts it. */
  async answerKnown(query: KnownQuery, caller: Caller): Promise<SerializedAnswer> {
    const name = query.served.collection;
    const result = await this.cache.answer({ ...query, caller }, () => this.registry.get(name));
    if (result.layer) this.metrics.cacheHits.inc({ collection: name });
    if (result.answered) this.metrics.answers.inc({ collection: name });
    else this.metrics.noAnswers.inc({ collection: name });
    return result;
  }

  private remember(query: KnownQuery, bytes: Buffer): void {
    if (bytes.length > KNOWN_BODY_MAX_BYTES) return;
    let bodies = this.bodies.get(query.served);
    if (!bodies) {
      // latin1: a character per byte, so equal keys are equal bytes (UTF-8 decoding would merge invalid sequences)
      bodies = new LRUCache<string, KnownQuery>({ max: BODIES_KEPT, maxSize: BODIES_BYTES, sizeCalculation: (_q, key) => key.length + 64 });
      this.bodies.set(query.served, bodies);
    }
    bodies.set(bytes.toString('latin1'), query);
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
