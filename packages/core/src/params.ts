import type { TitleAffixes } from './titles';
/**
 * Frontend (query-time) parameters. Each one can be changed per query without a rebuild; the defaults are the values
 * measured best across collections (see DESIGN.md in this package).
 */

/** Field order used in every per-field array of the engine. */
export const FIELDS = ['title', 'heading', 'category', 'tags', 'anchor', 'body'] as const;
export type FieldName = (typeof FIELDS)[number];
export const FIELD_COUNT = FIELDS.length;

export type PmiVariant = 'xllm' | 'log' | 'npmi';

/** Results of BM25F re-scored by the soft match (`softMatch` > 0); the rest keep their order below them. */
export const SOFT_MATCH_DEPTH = 100;
/** Document-level associates a prompt word brings to the soft match, at most. */
export const SOFT_MATCH_TERMS = 10;
/** An associate shares at least this many entities with the prompt word… */
export const SOFT_MATCH_MIN_JOINT = 3;
/** …and at least this Dice coefficient 2·n_tu / (df_t + df_u). */
export const SOFT_MATCH_MIN_DICE = 0.1;

export interface QueryParams {
  /** Number of results returned. Default 10, 1..1000. */
  k: number;
  /** BM25 saturation. Default 1.2. */
  k1: number;
  /** Per-field weight of a term occurrence (title, heading, category, tags, anchor, body). */
  wTitle: number;
  wHeading: number;
  wCategory: number;
  wTags: number;
  wAnchor: number;
  wBody: number;
  /** Length normalization of the body field (BM25 b, 0..1). Default 0.4. */
  bBody: number;
  /** Length normalization of the short fields (title, headings, category, tags, anchor text). Default 0.3. */
  bShort: number;
  /** Query weight of a matched multi-token relative to a single word (1). Default 0.25. */
  multiTokenWeight: number;
  /**
   * Query weight of a prompt word shaped like an identifier or code (holding a digit, `_`, `.`, `+` or `#`:
   * `pg_stat_activity`, `il-6`'s `6`, `wfs1`, `c++`), relative to a plain word (1). Such words are exact, precise
   * evidence. Default 2 (SciFact 0.702 → 0.708; PostgreSQL docs and xLLM unchanged).
   */
  identifierWeight: number;
  /**
   * Query weight of a prompt word inside a matched multi-token, instead of 1 (the reference prototype used 0.5;
   * xLLM drops such words, i.e. 0). Default 1: measured flat on SciFact, slightly negative on the PostgreSQL docs.
   */
  phraseWordWeight: number;
  /**
   * Soft match: weight of a prompt word's document-level associates as stand-ins for it (0 = off). The top
   * {@link SOFT_MATCH_DEPTH} results of BM25F are re-scored as if each prompt word t also occurred
   * `softMatch × Dice(t, u) × min(1, idf_u / idf_t)²` times per occurrence of each of its associates u that the entity
   * holds: the words sharing the most entities with t (Dice 2·n_tu / (df_t + df_u) ≥ 0.1, n_tu ≥ 3, at most 10, not
   * themselves in the prompt; one more common than t stands in for it less). The stand-in occurrences join t's own
   * before BM25's saturation, so an entity that already holds t gains little and one that speaks of "colon" for a
   * "colorectal" prompt gains most. An untrained translation model from the corpus's own co-occurrence, for
   * vocabulary mismatch. Default 0 (off): it lifts SciFact (0.708 → 0.727 at 0.4) and xLLM, but costs the PostgreSQL
   * docs, whose prompts name one exact feature, so it is a per-collection setting that `tune` turns on.
   */
  softMatch: number;
  /** Minimum number of words of a matched multi-token (1..4). Default 1. */
  minTokenWords: number;
  /** Maximum number of words of a matched multi-token (1..4). Default 4. */
  maxTokenWords: number;
  /**
   * A multi-token is used only when at least this many entities hold it (xLLM's minimum frequency). Default 2, the
   * least: the lexicon keeps no multi-token held by one entity.
   */
  minDf: number;
  /** Noise cut: ignore prompt tokens held by more than this fraction of entities (0..1). Default 1 (off). */
  maxDfRatio: number;
  /** Expand the prompt with its x-embeddings (associated multi-tokens). Default false (expansion drifts). */
  expand: boolean;
  /** Weight of an expansion token relative to a prompt word. Default 0.1. */
  expandWeight: number;
  /** Expansion tokens added per prompt token. Default 3. */
  expandPerToken: number;
  /** PMI variant for x-embeddings: xLLM's n_ab/sqrt(n_a n_b), log-PMI, or normalized PMI. Default 'xllm'. */
  pmi: PmiVariant;
  /** Minimum PMI of a related multi-token (in the chosen variant's units). Default 0. */
  minPmi: number;
  /** Minimum joint count n_ab of a related multi-token. Default 2. */
  minJointCount: number;
  /** Related multi-tokens listed in the answer. Default 10. */
  relatedCount: number;
  /** Snippets per result. Default 2. */
  snippetsPerResult: number;
  /** Characters of context around a match in a snippet. Default 90. */
  snippetChars: number;
  /** Sentences in the extractive summary. Default 3. */
  summarySentences: number;
  /** Words ignored in prompts (xLLM's ignoreList), comma-separated in `parseParams`. Default []. */
  ignore: string[];
  /** Restrict results to entities whose category path starts with this (a sub-LLM). Default '' (all). */
  category: string;
  /** Compute the answer sections (summary, related, see-also, suggestions). Default true. */
  sections: boolean;
  /**
   * Decline a prompt (`noAnswer`) when the collection holds less than this share of its idf weight (the answer's
   * `confidence.coverage`, 0..1; 0 = never). Default 0.55: on the bench collections it declines most out-of-domain
   * prompts while answering 99 % of the judged ones (DESIGN.md, "Knowing when not to answer").
   */
  minCoverage: number;
  /**
   * Decline a prompt when its best result holds less than this share of the best score achievable for the whole
   * prompt (`confidence.best`, 0..1; 0 = never). Default 0.12.
   */
  minBest: number;
  /**
   * Decline a short prompt (at most 3 distinct words) when its best result holds less than this share of its idf
   * weight (`confidence.held`, 0..1; 0 = never). Default 0.65 (two of three equally rare words): a collection that
   * covers "alter table" holds both words in one page; "red wine carpet" asked of a database manual finds each word
   * on another page.
   */
  minHeld: number;
  /**
   * Decline a short prompt when its best result holds less than this share of the weight the collection knows of it
   * (`confidence.held` over `confidence.coverage`, 0..1; 0 = never). Default 0.8: every word known, but not on one
   * page ("column reference" asked of a data catalog), while a lacking word (a typo) is left to `minHeld`.
   */
  minKnownHeld: number;
  /**
   * Decline a long prompt (more than 3 distinct words) when its best result holds less than this share of its idf
   * weight (`confidence.held`) and less than `minRareHeld` of its rare words' weight (0..1; 0 = never). Default 0.28.
   */
  minLongHeld: number;
  /**
   * The second half of the `minLongHeld` check: the share of the long prompt's rare words' weight its best result
   * holds (`confidence.rareHeld`, 0..1; 0 = never). Default 0.12: a claim of another field asked of a database
   * manual finds its common words ("increase", "risk", "age") on one page and its topical ones nowhere or elsewhere.
   */
  minRareHeld: number;
  /**
   * Decline a long prompt when its coverage is below this (`confidence.coverage`, 0..1; 0 = never) and its best
   * result holds less than `minLongBest` of the achievable score. Default 0.6.
   */
  minLongCoverage: number;
  /** The second half of the `minLongCoverage` check (`confidence.best`, 0..1; 0 = never). Default 0.2. */
  minLongBest: number;
  /**
   * Decline a prompt whose best raw score is below this multiple of the collection's typical best score
   * (`confidence.strength`; the build option `typicalBest`; 0 = never). Default 0.4.
   */
  minStrength: number;
  /**
   * Decline a short prompt whose best raw score is below this multiple of the collection's typical best score
   * (`confidence.strength`; 0 = never). Default 0.55: a database manual's index term asked of an abstract collection
   * matches a word of a few abstracts, once each.
   */
  minShortStrength: number;
  /**
   * A prompt whose best result scores at least this share of the achievable score (`confidence.best`, 0..1) is
   * not held to `minStrength` or `minShortStrength`: its best result holds it as fully as an entity can, and a low
   * score only says that its words are common in the collection ("table" asked of a database manual). 0 = never
   * waived. Default 0.95.
   */
  fullBest: number;
  /**
   * Explain each result: the prompt terms it holds and each field's share of its score (`explain` of a result).
   * Default false (it reads the postings of the prompt's terms once more).
   */
  explain: boolean;
}

export const DEFAULT_PARAMS: Readonly<QueryParams> = Object.freeze({
  k: 10,
  k1: 1.2,
  wTitle: 3,
  wHeading: 4,
  wCategory: 1,
  wTags: 2,
  wAnchor: 3,
  wBody: 1,
  bBody: 0.4,
  bShort: 0.3,
  multiTokenWeight: 0.25,
  phraseWordWeight: 1,
  identifierWeight: 2,
  softMatch: 0,
  minTokenWords: 1,
  maxTokenWords: 4,
  minDf: 2,
  maxDfRatio: 1,
  expand: false,
  expandWeight: 0.1,
  expandPerToken: 3,
  pmi: 'xllm',
  minPmi: 0,
  minJointCount: 2,
  relatedCount: 10,
  snippetsPerResult: 2,
  snippetChars: 90,
  summarySentences: 3,
  ignore: [],
  category: '',
  sections: true,
  minCoverage: 0.55,
  minBest: 0.12,
  minHeld: 0.65,
  minKnownHeld: 0.8,
  minLongHeld: 0.28,
  minRareHeld: 0.12,
  minLongCoverage: 0.6,
  minLongBest: 0.2,
  minStrength: 0.4,
  minShortStrength: 0.55,
  fullBest: 0.95,
  explain: false,
});

export class ParamError extends Error {
  constructor(
    readonly code: 'UNKNOWN_PARAM' | 'BAD_PARAM_VALUE',
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

type Kind = 'int' | 'num' | 'bool' | 'list' | 'string' | 'pmi';
interface Spec {
  kind: Kind;
  min?: number;
  max?: number;
  /** One line for people choosing a value (a form's label hint); the field docs above say more. */
  help?: string;
}
const SPEC: Record<keyof QueryParams, Spec> = {
  k: { kind: 'int', min: 1, max: 1000, help: 'results returned' },
  k1: { kind: 'num', min: 0, max: 10, help: 'BM25 term-frequency saturation' },
  wTitle: { kind: 'num', min: 0, max: 100, help: 'weight of a match in the title' },
  wHeading: { kind: 'num', min: 0, max: 100, help: 'weight of a match in a heading' },
  wCategory: { kind: 'num', min: 0, max: 100, help: 'weight of a match in the category path' },
  wTags: { kind: 'num', min: 0, max: 100, help: 'weight of a match in the tags' },
  wAnchor: { kind: 'num', min: 0, max: 100, help: 'weight of a match in the anchor text of links to the page' },
  wBody: { kind: 'num', min: 0, max: 100, help: 'weight of a match in the body text' },
  bBody: { kind: 'num', min: 0, max: 1, help: 'length normalization of the body (BM25 b)' },
  bShort: { kind: 'num', min: 0, max: 1, help: 'length normalization of the short fields' },
  multiTokenWeight: { kind: 'num', min: 0, max: 10, help: 'weight of a matched multi-token relative to a word' },
  phraseWordWeight: { kind: 'num', min: 0, max: 1, help: 'weight of a word inside a matched multi-token' },
  identifierWeight: { kind: 'num', min: 0, max: 10, help: 'weight of an identifier-like word (pg_stat, c++)' },
  softMatch: { kind: 'num', min: 0, max: 10, help: 'soft match: weight of associated words standing in (0 = off)' },
  minTokenWords: { kind: 'int', min: 1, max: 4, help: 'fewest words of a matched multi-token' },
  maxTokenWords: { kind: 'int', min: 1, max: 4, help: 'most words of a matched multi-token' },
  minDf: { kind: 'int', min: 2, max: 1_000_000, help: 'a multi-token counts when at least this many entities hold it (2 at least)' },
  maxDfRatio: { kind: 'num', min: 0, max: 1, help: 'noise cut: ignore tokens held by more than this share of entities' },
  expand: { kind: 'bool', help: 'expand the prompt with associated multi-tokens (x-embeddings)' },
  expandWeight: { kind: 'num', min: 0, max: 10, help: 'weight of an expansion token' },
  expandPerToken: { kind: 'int', min: 0, max: 50, help: 'expansion tokens per prompt token' },
  pmi: { kind: 'pmi', help: 'PMI variant of the associations' },
  minPmi: { kind: 'num', min: -1e9, max: 1e9, help: 'smallest PMI of a related multi-token' },
  minJointCount: { kind: 'int', min: 1, max: 1_000_000, help: 'smallest joint count of a related multi-token' },
  relatedCount: { kind: 'int', min: 0, max: 100, help: 'related multi-tokens listed' },
  snippetsPerResult: { kind: 'int', min: 0, max: 10, help: 'snippets per result' },
  snippetChars: { kind: 'int', min: 20, max: 1000, help: 'characters of context in a snippet' },
  summarySentences: { kind: 'int', min: 0, max: 20, help: 'sentences in the summary' },
  ignore: { kind: 'list', help: 'words ignored in prompts, comma-separated' },
  category: { kind: 'string', help: 'only results under this category path' },
  sections: { kind: 'bool', help: 'compute summary, related, see-also and suggestions' },
  minCoverage: { kind: 'num', min: 0, max: 1, help: 'decline (noAnswer) below this share of the prompt\'s weight covered (0 = never)' },
  minBest: { kind: 'num', min: 0, max: 1, help: 'decline when the best result holds less than this share of the best score (0 = never)' },
  minHeld: { kind: 'num', min: 0, max: 1, help: 'decline a short prompt (up to 3 words) when its best result holds less than this share of its weight (0 = never)' },
  minKnownHeld: { kind: 'num', min: 0, max: 1, help: 'decline a short prompt when its best result holds less than this share of the weight the collection knows of it (0 = never)' },
  minLongHeld: { kind: 'num', min: 0, max: 1, help: 'decline a longer prompt when its best result holds less than this share of its weight and less than minRareHeld of its rare words\' (0 = never)' },
  minRareHeld: { kind: 'num', min: 0, max: 1, help: 'see minLongHeld: the share of a longer prompt\'s rare words\' weight its best result must hold (0 = never)' },
  minLongCoverage: { kind: 'num', min: 0, max: 1, help: 'decline a longer prompt covered below this share when its best result also holds less than minLongBest of the best score (0 = never)' },
  minLongBest: { kind: 'num', min: 0, max: 1, help: 'see minLongCoverage (0 = never)' },
  minStrength: { kind: 'num', min: 0, max: 100, help: 'decline when the best score is below this multiple of the collection\'s typical best score (0 = never)' },
  minShortStrength: { kind: 'num', min: 0, max: 100, help: 'decline a short prompt (up to 3 words) whose best score is below this multiple of the collection\'s typical best score (0 = never)' },
  fullBest: { kind: 'num', min: 0, max: 1, help: 'no strength check when the best result holds at least this share of the best score (0 = always checked)' },
  explain: { kind: 'bool', help: 'explain each result (terms, fields\' share of the score)' },
};

const PMI_VARIANTS: readonly PmiVariant[] = ['xllm', 'log', 'npmi'];

/** What a client needs to offer a parameter: its type, range or choices, default and a one-line help. */
export interface ParamSpec {
  name: keyof QueryParams;
  kind: 'int' | 'num' | 'bool' | 'list' | 'string' | 'enum';
  min?: number;
  max?: number;
  /** The allowed values of an `enum`. */
  options?: string[];
  default: QueryParams[keyof QueryParams];
  help: string;
}

/** Every frontend parameter with its type, range, default and help, in the order of {@link PARAM_NAMES}. */
export function paramSpecs(): ParamSpec[] {
  return (Object.entries(SPEC) as Array<[keyof QueryParams, Spec]>).map(([name, spec]) => {
    const d = DEFAULT_PARAMS[name];
    const out: ParamSpec = {
      name,
      kind: spec.kind === 'pmi' ? 'enum' : spec.kind,
      default: Array.isArray(d) ? [...d] : d,
      help: spec.help ?? '',
    };
    if (spec.min !== undefined) out.min = spec.min;
    if (spec.max !== undefined) out.max = spec.max;
    if (spec.kind === 'pmi') out.options = [...PMI_VARIANTS];
    return out;
  });
}

/** The spec of parameter `key`; own keys only, so "constructor", "toString" or "__proto__" are unknown parameters. */
function specOf(key: string): Spec | undefined {
  return Object.hasOwn(SPEC, key) ? (SPEC as Record<string, Spec>)[key] : undefined;
}

/** Names of every frontend parameter. */
export const PARAM_NAMES = Object.keys(SPEC) as Array<keyof QueryParams>;

/**
 * Parses `key=value` strings (CLI `--param`, HTTP query strings) into typed parameters.
 * @throws ParamError naming the key when it is unknown or its value is out of range.
 */
export function parseParams(kv: Record<string, string>): Partial<QueryParams> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(kv)) {
    const spec = specOf(key);
    if (!spec) {
      throw new ParamError('UNKNOWN_PARAM', key, `unknown parameter "${key}"; known: ${PARAM_NAMES.join(', ')}`);
    }
    out[key] = parseValue(key, raw, spec);
  }
  return validateParams(out as Partial<QueryParams>);
}

function parseValue(key: string, raw: string, spec: Spec): unknown {
  const v = raw.trim();
  switch (spec.kind) {
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      throw new ParamError('BAD_PARAM_VALUE', key, `parameter "${key}" must be true or false, got "${raw}"`);
    case 'list':
      return v === '' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
    case 'string':
      return v;
    case 'pmi':
      return v;
    default: {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) {
        throw new ParamError('BAD_PARAM_VALUE', key, `parameter "${key}" must be a number, got "${raw}"`);
      }
      return n;
    }
  }
}

/** Checks typed parameters (ranges, integers, enums). Returns them unchanged when valid. */
export function validateParams(p: Partial<QueryParams>): Partial<QueryParams> {
  for (const [key, value] of Object.entries(p)) {
    const spec = specOf(key);
    if (!spec) throw new ParamError('UNKNOWN_PARAM', key, `unknown parameter "${key}"`);
    const bad = (why: string): never => {
      throw new ParamError('BAD_PARAM_VALUE', key, `parameter "${key}" ${why}, got ${JSON.stringify(value)}`);
    };
    if (spec.kind === 'int' || spec.kind === 'num') {
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('must be a number');
      const n = value as number;
      if (spec.kind === 'int' && !Number.isInteger(n)) bad('must be an integer');
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        bad(`must be within ${spec.min}..${spec.max}`);
      }
    } else if (spec.kind === 'bool' && typeof value !== 'boolean') bad('must be true or false');
    else if (spec.kind === 'pmi' && value !== 'xllm' && value !== 'log' && value !== 'npmi') {
      bad('must be one of xllm, log, npmi');
    } else if (spec.kind === 'list' && !(Array.isArray(value) && value.every((x) => typeof x === 'string'))) {
      bad('must be a list of words');
    } else if (spec.kind === 'string' && typeof value !== 'string') bad('must be a string');
  }
  if (p.minTokenWords !== undefined && p.maxTokenWords !== undefined && p.minTokenWords > p.maxTokenWords) {
    throw new ParamError('BAD_PARAM_VALUE', 'minTokenWords', 'parameter "minTokenWords" must not exceed maxTokenWords');
  }
  return p;
}

/** Defaults overlaid with the given values (validated). */
export function resolveParams(p: Partial<QueryParams> = {}): QueryParams {
  validateParams(p);
  return { ...DEFAULT_PARAMS, ...p, ignore: [...(p.ignore ?? DEFAULT_PARAMS.ignore)] };
}

/** Build-time options: what the tables hold. Changing one needs a rebuild. */
export interface BuildOptions {
  /** Longest multi-token, in kept words (1..4). Default 4. */
  maxWords: number;
  /** Pairs are formed between tokens of at most this many words. Default 1. */
  pairMaxWords: number;
  /** Pair window: two tokens pair when their start positions differ by at most this (within a sentence). Default 3. */
  pairWindow: number;
  /** Stopwords (normalized); default: the engine's English list. */
  stopwords?: string[];
  /** Map inflections with the Porter stemmer. Default true. */
  stem: boolean;
  /**
   * The collection's title boilerplate, kept out of every title the index holds (see titles.ts). Default: learned
   * from the titles by a bulk build (`LexIndex.build`); `{ prefix: '', suffix: '' }` turns it off.
   */
  titleAffixes?: TitleAffixes;
  /**
   * The collection's typical best score (raw BM25F under the default parameters), which `minStrength` compares a
   * prompt's best score with (confidence.ts, `typicalBestOf`). Default: learned from the titles by a bulk build
   * (`LexIndex.build`) and kept by snapshots and later additions; absent, no prompt is declined for its strength.
   */
  typicalBest?: number;
}

export const DEFAULT_BUILD: Readonly<BuildOptions> = Object.freeze({
  maxWords: 4,
  pairMaxWords: 1,
  pairWindow: 3,
  stem: true,
});
