import type { Associations } from './associations';
import type { EntityGraph } from './graph';
import { MIN_DF_DISTILLED, type Lexicon } from './lexicon';
import type { QueryParams } from './params';
import type { Scope } from './scope';
import { isIdentifier, MT_SEP, type Analyzer } from './tokenizer';

/** A term of the prompt after matching, with its query weight. */
export interface QueryTerm {
  termId: number;
  key: string;
  weight: number;
  words: number;
  expansion: boolean;
}

const EMPTY: number[] = [];

/** What matching found of a prompt: the weighted query terms, the words found nowhere, every kept word. */
export interface PromptMatch {
  terms: QueryTerm[];
  missing: string[];
  words: string[];
  /** Each word's key → the form the prompt wrote it in (its first occurrence). */
  written: Map<string, string>;
}

/**
 * Prompt matching: the prompt's words and its longest distilled multi-tokens (in any word order) as weighted query
 * terms, and the PMI expansion when asked for.
 */
export class Matcher {
  constructor(
    private readonly lex: Lexicon,
    private readonly graph: EntityGraph,
    private readonly assoc: Associations,
    private readonly analyzer: Analyzer,
    private readonly maxWords: number,
  ) {}

  /**
   * Matches a prompt against the lexicon: the weighted query terms, and the prompt words found nowhere. With a
   * restricted scope, a term counts as found only when an entity the caller sees holds it, and document frequencies
   * (the noise cut, `minDf`) are the caller's: the match is the one an index of the visible entities would make.
   */
  matchPrompt(prompt: string, p: QueryParams, scope?: Scope): PromptMatch {
    const lex = this.lex;
    const view = scope?.view ?? null;
    const dfOf = view ? (scope as Scope).df : (t: number): number => lex.df.get(t);
    const ignore = new Set(p.ignore.map((w) => this.analyzer.key(w.toLowerCase())).filter(Boolean));
    const byId = new Map<number, QueryTerm>();
    const missing: string[] = [];
    const words: string[] = [];
    const n = Math.max(1, view ? view.live : this.graph.live);
    const add = (key: string, weight: number, nw: number, expansion: boolean): boolean => {
      const t = lex.termIdOf(key);
      if (t === undefined) return false;
      const df = dfOf(t);
      if (df === 0) return false;
      if (df / n > p.maxDfRatio) return true; // noise cut: known but not discriminating
      const q = byId.get(t);
      if (q) q.weight += weight;
      else byId.set(t, { termId: t, key, weight, words: nw, expansion });
      return true;
    };
    const covered = new Set<QueryTerm>();
    const written = new Map<string, string>();
    for (const s of this.analyzer.sentences(prompt)) {
      s.keys.forEach((k, i) => {
        if (!written.has(k)) written.set(k, s.surfaces[i] as string);
      });
      const keys = s.keys.filter((k) => !ignore.has(k));
      for (const k of keys) {
        words.push(k);
        if (p.minTokenWords <= 1 && !add(k, isIdentifier(k) ? p.identifierWeight : 1, 1, false)) missing.push(k);
      }
      // multi-tokens: longest match first, left to right, without overlaps; sortedLookup makes word order free.
      // At most keys.length × (maxTokenWords − 1) windows, each up to 24 trie lookups: linear in the prompt length.
      const maxW = Math.min(p.maxTokenWords, this.maxWords);
      let i = 0;
      while (i < keys.length) {
        let taken = 0;
        for (let w = Math.min(maxW, keys.length - i); w >= 2 && w >= p.minTokenWords; w--) {
          const win = keys.slice(i, i + w);
          const key = win.join(MT_SEP);
          const t = lex.termIdOf(key);
          let hit = false;
          if (t !== undefined && dfOf(t) >= p.minDf) hit = add(key, p.multiTokenWeight, w, false);
          if (!hit) {
            for (const u of this.sortedLookup(win, view ? dfOf : undefined)) {
              if (dfOf(u) >= p.minDf) hit = add(lex.termKey(u), p.multiTokenWeight, w, false) || hit;
            }
          }
          if (hit) {
            taken = w;
            // the words of a matched phrase weigh phraseWordWeight each (once per prompt word)
            if (p.phraseWordWeight !== 1) {
              for (let z = i; z < i + w; z++) {
                const tz = lex.termIdOf(keys[z] as string);
                const qz = tz === undefined ? undefined : byId.get(tz);
                if (qz && !qz.expansion && !covered.has(qz)) {
                  covered.add(qz);
                  qz.weight -= 1 - p.phraseWordWeight;
                }
              }
            }
            break;
          }
        }
        i += taken > 0 ? taken : 1;
      }
    }
    if (p.expand && p.expandPerToken > 0) {
      const base = [...byId.values()].filter((q) => q.words === 1);
      for (const q of base) {
        for (const a of this.assoc.associations(q.termId, p.pmi, p.minJointCount, p.expandPerToken, view)) {
          const key = lex.termKey(a.termId);
          if (byId.has(a.termId)) continue;
          add(key, p.expandWeight, key.split(MT_SEP).length, true);
        }
      }
    }
    return { terms: [...byId.values()], missing, words, written };
  }

  /**
   * Multi-tokens whose words are these keys in any order (distilled ones only, df ≥ MIN_DF_DISTILLED): each
   * distinct ordering of the words is looked up in the trie, at most 4! = 24 for four words, so a prompt's word
   * order does not matter. Orderings come in a canonical order (by word ids). `dfOf` gives the document frequency
   * a restricted caller sees (default: the table's).
   */
  sortedLookup(keys: readonly string[], dfOf?: (t: number) => number): number[] {
    const lex = this.lex;
    const ids: number[] = [];
    for (const k of keys) {
      const w = lex.wordId(k);
      if (w === undefined) return EMPTY;
      ids.push(w);
    }
    ids.sort((x, y) => x - y);
    const out: number[] = [];
    const n = ids.length;
    // distinct permutations in lexicographic order (next-permutation over the sorted ids)
    for (;;) {
      let t = ids[0] as number;
      for (let i = 1; i < n && t >= 0; i++) t = lex.child.get(t, ids[i] as number);
      if (t >= 0 && (dfOf ? dfOf(t) : lex.df.get(t)) >= MIN_DF_DISTILLED) out.push(t);
      let i = n - 2;
      while (i >= 0 && (ids[i] as number) >= (ids[i + 1] as number)) i--;
      if (i < 0) break;
      let j = n - 1;
      while ((ids[j] as number) <= (ids[i] as number)) j--;
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
      for (let l = i + 1, r = n - 1; l < r; l++, r--) [ids[l], ids[r]] = [ids[r] as number, ids[l] as number];
    }
    return out;
  }
}
