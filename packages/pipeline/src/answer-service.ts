import { CollectionConfig, QueryBody, parseOrThrow } from '@lexigraph/contracts';
import { paramSpecs, parseParams, type Answer, type Caller, type LexIndex, type ParamSpec, type QueryParams, type StandardPrompt } from '@lexigraph/core';
import { parseParamLayer, validateParamLayers } from './param-layer';

/**
 * The one read-and-answer path of the product: the CLI's `ask` and the gateway both answer through it, so the same
 * prompt on the same index version, with the same stored defaults, profile and parameters, gets the same answer.
 */

/** A collection's published index as a reader holds it, with the collection's stored query defaults. */
export interface ServedCollection {
  collection: string;
  index: LexIndex;
  version: number;
  /** The collection's stored query defaults, validated (see {@link storedDefaults}). */
  defaults: Partial<QueryParams>;
}

/** Values of a saved parameter profile of a collection; throws AppError VALIDATION for an unknown name. */
export type ProfileLoader = (collection: string, name: string) => Promise<Record<string, string>>;

/** An answer as readers return it: the engine's answer plus the collection and the index version that produced it. */
export type CollectionAnswer = Answer & { collection: string; indexVersion: number };

/** A query after validation: the prompt and its parameters layered as defaults < profile < params. */
export interface ResolvedQuery {
  prompt: string;
  params: Partial<QueryParams>;
}

/**
 * The query defaults of a stored collection config, each validated by the engine: a bad stored key or value is
 * dropped (and reported to `warn`), so one stale default never takes a collection offline.
 */
export function storedDefaults(collection: string, stored: unknown, warn: (message: string) => void = () => {}): Partial<QueryParams> {
  const parsed = CollectionConfig.safeParse({ ...(typeof stored === 'object' && stored !== null ? stored : {}), name: collection });
  if (!parsed.success) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data.defaults)) {
    try {
      parseParams({ [key]: value });
      out[key] = value;
    } catch (err) {
      warn(`collection "${collection}": ignoring stored default ${key}=${value}: ${(err as Error).message}`);
    }
  }
  return parseParams(out);
}

/**
 * Validates a query body (`{ prompt, params?, profile? }`, the gateway's contract) and layers its parameters:
 * the collection's stored defaults < the profile < the body's params. A bad field is an AppError naming it
 * (`params.k`, `profile`, `prompt`).
 */
export async function resolveQuery(served: ServedCollection, body: unknown, profiles: ProfileLoader): Promise<ResolvedQuery> {
  const query = parseOrThrow(QueryBody, body ?? {}, 'query body');
  const given = parseParamLayer(query.params, 'params');
  const profile = query.profile ? parseParamLayer(await profiles(served.collection, query.profile), `profile ${query.profile}`) : {};
  const params = validateParamLayers({ ...served.defaults, ...profile, ...given }, 'params');
  return { prompt: query.prompt, params };
}

/**
 * Answers a resolved query on the served index, showing only what `caller` may see. The caller comes from the
 * authenticated context (a tenant token's ACL groups), never from the query body; `{}` sees every document.
 * `standard`: the prompt's `LexIndex.standardize` under the same parameters and caller (taken for a cache key), so
 * matching is not done again. Synchronous: no I/O on the answer path.
 */
export function answerResolved(served: ServedCollection, query: ResolvedQuery, caller: Caller = {}, standard?: StandardPrompt): CollectionAnswer {
  return Object.assign(served.index.ask(query.prompt, query.params, caller, undefined, standard), {
    collection: served.collection,
    indexVersion: served.version,
  });
}

/** Validates, layers and answers one query body on a served collection for `caller` (see {@link resolveQuery}). */
export async function readAndAnswer(served: ServedCollection, body: unknown, profiles: ProfileLoader, caller: Caller = {}): Promise<CollectionAnswer> {
  return answerResolved(served, await resolveQuery(served, body, profiles), caller);
}

/** What a client needs to offer a collection's parameters: every frontend parameter and the collection's defaults. */
export interface ParamView {
  collection: string;
  /** Every frontend parameter: kind, range or choices, the engine's default and a one-line help. */
  params: ParamSpec[];
  /** The collection's stored defaults, which replace the engine's (a profile and the query's params layer above). */
  defaults: Partial<QueryParams>;
}

/** The parameters of a served collection (see {@link ParamView}). */
export function paramView(served: ServedCollection): ParamView {
  return { collection: served.collection, params: paramSpecs(), defaults: served.defaults };
}
