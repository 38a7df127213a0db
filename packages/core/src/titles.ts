import type { Entity } from './entity';

/**
 * Site title boilerplate: a prefix or suffix most titles of a collection share ("Intro — Product 3.11 documentation",
 * "Product: Docs: Intro"). It says nothing about a page, crowds result lists and adds the same words to every title
 * field, so the index learns it from the titles at a full build and keeps it out of the titles it holds (shown and
 * ranked). Empty strings: none.
 */
export interface TitleAffixes {
  prefix: string;
  suffix: string;
}

export const NO_TITLE_AFFIXES: Readonly<TitleAffixes> = Object.freeze({ prefix: '', suffix: '' });

/** Fewest titles a collection needs before a shared affix counts as boilerplate (below it, sharing is chance). */
export const MIN_TITLES_FOR_AFFIX = 8;
/** Share of the titles that must carry an affix for it to be boilerplate. */
export const AFFIX_SHARE = 0.5;

/** Where a title's parts meet: a dash, bar, bullet, guillemet or colon run with a space after it. */
const SEPARATOR = /\s*(?:[—–|·»•]|--?|::?)\s+/g;

function candidates(title: string): { prefixes: string[]; suffixes: string[] } {
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  for (const m of title.matchAll(SEPARATOR)) {
    const at = m.index as number;
    const end = at + m[0].length;
    // a part on both sides: the separator is inside the title
    if (at === 0 || end >= title.length) continue;
    prefixes.push(title.slice(0, end));
    suffixes.push(title.slice(at));
  }
  return { prefixes, suffixes };
}

function mostShared(counts: Map<string, number>, need: number): string {
  let best = '';
  let bestCount = 0;
  for (const [affix, n] of counts) {
    if (n < need) continue;
    if (n > bestCount || (n === bestCount && affix.length > best.length)) {
      best = affix;
      bestCount = n;
    }
  }
  return best;
}

/**
 * Learns the title boilerplate of a collection: the prefix (up to and including a separator) and the suffix (from a
 * separator on) that more than half of the titles share, when there are at least MIN_TITLES_FOR_AFFIX titles.
 */
export function learnTitleAffixes(titles: Iterable<string>): TitleAffixes {
  const prefixCount = new Map<string, number>();
  const suffixCount = new Map<string, number>();
  let total = 0;
  for (const title of titles) {
    total++;
    const { prefixes, suffixes } = candidates(title.trim());
    for (const p of new Set(prefixes)) prefixCount.set(p, (prefixCount.get(p) ?? 0) + 1);
    for (const s of new Set(suffixes)) suffixCount.set(s, (suffixCount.get(s) ?? 0) + 1);
  }
  if (total < MIN_TITLES_FOR_AFFIX) return { ...NO_TITLE_AFFIXES };
  const need = Math.floor(total * AFFIX_SHARE) + 1;
  return { prefix: mostShared(prefixCount, need), suffix: mostShared(suffixCount, need) };
}

/** A title without the collection's boilerplate (unchanged when stripping would leave nothing). */
export function stripTitle(title: string, affixes: Readonly<TitleAffixes>): string {
  let t = title.trim();
  const { prefix, suffix } = affixes;
  let changed = false;
  if (suffix && t.endsWith(suffix) && t.length > suffix.length) {
    t = t.slice(0, t.length - suffix.length).trim();
    changed = true;
  }
  if (prefix && t.startsWith(prefix) && t.length > prefix.length) {
    t = t.slice(prefix.length).trim();
    changed = true;
  }
  return changed && t ? t : title;
}

/** The entity with its title stripped of the boilerplate (the same object when there is nothing to strip). */
export function withoutTitleBoilerplate(e: Entity, affixes: Readonly<TitleAffixes>): Entity {
  if (!affixes.prefix && !affixes.suffix) return e;
  const title = stripTitle(e.title, affixes);
  return title === e.title ? e : { ...e, title };
}
