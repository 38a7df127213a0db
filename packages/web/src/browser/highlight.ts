import { el } from './dom.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What to mark in snippets: each matched multi-token of two words or more as a phrase, then every word of them,
 * longest first (so "indexes" is marked whole before "index" could be).
 */
export function markTerms(tokens: readonly string[]): string[][] {
  const phrases = new Map<string, string[]>();
  for (const token of tokens) {
    const words = token.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length > 1) phrases.set(words.join(' '), words);
    for (const w of words) phrases.set(w, [w]);
  }
  return [...phrases.values()].sort((a, b) => b.length - a.length || b.join(' ').length - a.join(' ').length);
}

/** One word of a term: a word of 4 letters or more also matches a longer word it begins ("index": "indexes"). */
function wordPattern(w: string): string {
  return w.length >= 4 ? `${escapeRegExp(w)}[\\p{L}\\p{N}]*` : escapeRegExp(w);
}

/**
 * `text` as nodes with each occurrence of a term of `terms` in `<mark>`: a phrase matches its words joined by up to
 * three spaces or punctuation marks ("write ahead log": "write-ahead log"). Text nodes only, never HTML.
 */
export function highlighted(text: string, terms: readonly string[][]): Node[] {
  if (terms.length === 0) return [document.createTextNode(text)];
  const alternatives = terms.map((words) => words.map(wordPattern).join('[^\\p{L}\\p{N}]{1,3}'));
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const out: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push(document.createTextNode(text.slice(last, at)));
    out.push(el('mark', {}, m[0]));
    last = at + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
