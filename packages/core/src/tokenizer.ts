import { porterStem } from './porter';

/**
 * Text analysis: normalization, word tokens that keep identifiers whole, sentences, stopwords and the mapping of
 * inflections to one key. Everything here is deterministic and pure.
 */

/** English stopwords dropped from multi-tokens (and bridged: "analysis of variance" → analysis~variance). */
export const DEFAULT_STOPWORDS: readonly string[] = [
  'a', 'about', 'above', 'after', 'again', 'against', 'all', 'am', 'an', 'and', 'any', 'are', 'as', 'at', 'be',
  'because', 'been', 'before', 'being', 'below', 'between', 'both', 'but', 'by', 'can', 'could', 'did', 'do', 'does',
  'doing', 'down', 'during', 'each', 'few', 'for', 'from', 'further', 'had', 'has', 'have', 'having', 'he', 'her',
  'here', 'hers', 'herself', 'him', 'himself', 'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself',
  'just', 'me', 'more', 'most', 'my', 'myself', 'nor', 'of', 'off', 'on', 'once', 'only', 'or', 'other', 'ought',
  'our', 'ours', 'ourselves', 'out', 'over', 'own', 'same', 'she', 'should', 'so', 'some', 'such', 'than', 'that',
  'the', 'their', 'theirs', 'them', 'themselves', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to',
  'too', 'under', 'until', 'up', 'very', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who',
  'whom', 'why', 'will', 'with', 'would', 'you', 'your', 'yours', 'yourself', 'yourselves', 'also', 'may', 'might',
  'must', 'shall', 'us', 'via', 'etc', 'e.g', 'i.e',
];

/** A word of the input with its offsets in the normalized string. */
export interface WordToken {
  /** Normalized surface form (lowercase, NFKC). */
  surface: string;
  start: number;
  end: number;
  /** True when the word ends a sentence (followed by . ! ? ; : or a line break). */
  sentenceEnd: boolean;
}

/**
 * Word pattern. A word is a run of letters/digits that may contain inner `_`, `.`, `'`, `-`-free joins:
 * - `_` joins always (pg_stat_activity, max_wal_size),
 * - `.` joins two alphanumerics with no space (node.js, pg_catalog.pg_class, 3.14),
 * - a trailing `++` or `#` right after letters is kept (c++, c#, f#).
 */
const WORD_RE = /[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}_]|\.(?=[\p{L}\p{N}]))*(?:\+\+|#(?![\p{L}\p{N}]))?/gu;
/** Sentence boundary: terminal punctuation followed by whitespace, or a line break. */
const BOUNDARY_RE = /[.!?;:](?=\s|$)|\n/y;

export function normalize(text: string): string {
  // NFKC folds compatibility forms (ligatures, full-width letters); lowercasing is the case fold we need.
  return text.normalize('NFKC').toLowerCase();
}

/**
 * Splits normalized text into word tokens with offsets. Offsets index `text` as given (already normalized by the
 * caller when they must match the original: NFKC can change lengths, so snippets are cut from the normalized form
 * only when it has the same length).
 */
export function tokenizeWords(text: string): WordToken[] {
  const out: WordToken[] = [];
  WORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let prev: WordToken | undefined;
  let prevEnd = 0;
  while ((m = WORD_RE.exec(text)) !== null) {
    if (prev && hasBoundary(text, prevEnd, m.index)) prev.sentenceEnd = true;
    const tok: WordToken = { surface: m[0], start: m.index, end: m.index + m[0].length, sentenceEnd: false };
    out.push(tok);
    prev = tok;
    prevEnd = tok.end;
  }
  if (prev) prev.sentenceEnd = true;
  return out;
}

/** The word surfaces of normalized text, in order (tokenizeWords without offsets and sentence ends). */
export function wordSurfaces(text: string): string[] {
  return text.match(WORD_RE) ?? [];
}

/** Whether a sentence boundary lies in `text[from, to)`, the gap between two words. */
export function hasBoundary(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return true; // \n
    if (c === 46 || c === 33 || c === 63 || c === 59 || c === 58) {
      // . ! ? ; : followed by whitespace or the end of the gap
      const n = i + 1 < text.length ? text.charCodeAt(i + 1) : 32;
      if (n === 32 || n === 9 || n === 10 || n === 13 || i + 1 >= to) return true;
    }
  }
  return false;
}

/**
 * Calls `onWord(surface, boundaryBefore)` for each word of normalized text, in order, where `boundaryBefore` tells
 * that a sentence boundary separates the word from the previous one. The allocation-free form of tokenizeWords,
 * for the indexing hot path (same words, same boundaries).
 */
export function forEachWord(text: string, onWord: (surface: string, boundaryBefore: boolean) => void): void {
  WORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let prevEnd = -1;
  while ((m = WORD_RE.exec(text)) !== null) {
    const sf = m[0];
    onWord(sf, prevEnd >= 0 && hasBoundary(text, prevEnd, m.index));
    prevEnd = m.index + sf.length;
  }
}

/** Splits raw text into sentences with offsets into `text` (verbatim slices, trimmed). */
export function splitSentences(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    BOUNDARY_RE.lastIndex = i;
    if (BOUNDARY_RE.test(text)) {
      const end = text.charCodeAt(i) === 10 ? i : i + 1;
      pushTrimmed(text, start, end, out);
      start = i + 1;
    }
  }
  pushTrimmed(text, start, text.length, out);
  return out;
}

function pushTrimmed(text: string, start: number, end: number, out: Array<{ start: number; end: number }>): void {
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  if (end > start) out.push({ start, end });
}

/** True for identifier-like words that must not be stemmed: they hold `_`, `.`, `+`, `#` or a digit. */
export function isIdentifier(word: string): boolean {
  return /[_.+#0-9]/.test(word);
}

export interface AnalyzerOptions {
  /** Stopword list (normalized). Default: DEFAULT_STOPWORDS. */
  stopwords?: readonly string[];
  /** Map inflections to one key with the Porter stemmer (identifiers are never stemmed). Default true. */
  stem?: boolean;
}

/**
 * Maps words to index keys. Keeps a cache of word → key, since a corpus repeats a few thousand words millions of
 * times. Stateless as far as results go: the cache only saves time.
 */
export class Analyzer {
  readonly stopwords: ReadonlySet<string>;
  readonly stem: boolean;
  private readonly cache = new Map<string, string>();

  constructor(opts: AnalyzerOptions = {}) {
    this.stopwords = new Set((opts.stopwords ?? DEFAULT_STOPWORDS).map((w) => normalize(w)));
    this.stem = opts.stem ?? true;
  }

  /** The index key of a normalized word, or '' for a stopword. */
  key(surface: string): string {
    let k = this.cache.get(surface);
    if (k !== undefined) return k;
    k = this.computeKey(surface);
    if (this.cache.size < 500_000) this.cache.set(surface, k);
    return k;
  }

  /** `key` without the cache, for callers that keep their own table of surfaces (the index while building). */
  computeKey(surface: string): string {
    if (this.stopwords.has(surface)) return '';
    if (!this.stem || isIdentifier(surface)) return surface;
    return porterStem(surface.replace(/'s$|'$/, '').replace(/'/g, ''));
  }

  /**
   * The kept words of a text, split in sentences: each sentence is a list of keys (stopwords skipped, so n-grams
   * bridge them) with the surface form beside each key.
   */
  sentences(text: string): Array<{ keys: string[]; surfaces: string[] }> {
    const norm = normalize(text);
    const words = tokenizeWords(norm);
    const out: Array<{ keys: string[]; surfaces: string[] }> = [];
    let keys: string[] = [];
    let surfaces: string[] = [];
    for (const w of words) {
      const k = this.key(w.surface);
      if (k) {
        keys.push(k);
        surfaces.push(w.surface);
      }
      if (w.sentenceEnd && keys.length > 0) {
        out.push({ keys, surfaces });
        keys = [];
        surfaces = [];
      }
    }
    if (keys.length > 0) out.push({ keys, surfaces });
    return out;
  }
}

/** Separator of words inside a multi-token key (xLLM's `~`). */
export const MT_SEP = '~';
