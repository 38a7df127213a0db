import { MIN_DF_DISTILLED, type Lexicon } from './lexicon';
import type { EntitySlots } from './slots';

/** Longest text offered as a likely prompt, in characters (a heading longer than this is a sentence, not a query). */
const MAX_PROMPT_CHARS = 120;

/**
 * The prompts a collection is most likely asked, for warming an answer cache: its titles, defined terms, headings
 * and most frequent distilled multi-tokens (df ≥ MIN_DF_DISTILLED, two words or more, in their display form).
 * The four sources are taken in turn (one of each, then the next of each), so any prefix of the sequence holds
 * some of each; titles, terms and headings in entity order, multi-tokens by occurrences, most first. Texts are
 * trimmed, at most MAX_PROMPT_CHARS long, and not repeated (case aside). Lazy: a caller that stops early pays for
 * what it took, but the multi-tokens' sort (over every distilled multi-token) is done at the first one.
 */
export function* likelyPrompts(slots: EntitySlots, lex: Lexicon): Generator<string> {
  const seen = new Set<string>();
  const sources = [titles(slots), fieldOf(slots, 'terms'), fieldOf(slots, 'headings'), frequentMultiTokens(lex)];
  let open = sources.length;
  while (open > 0) {
    open = 0;
    for (const source of sources) {
      for (;;) {
        const next = source.next();
        if (next.done) break;
        open++;
        const text = next.value.trim();
        if (!text || text.length > MAX_PROMPT_CHARS) continue;
        const folded = text.toLowerCase();
        if (seen.has(folded)) continue;
        seen.add(folded);
        yield text;
        break;
      }
    }
  }
}

function* titles(slots: EntitySlots): Generator<string> {
  for (let slot = 0; slot < slots.length; slot++) {
    const title = slots.field(slot, 'title');
    if (title !== undefined) yield title;
  }
}

function* fieldOf(slots: EntitySlots, field: 'terms' | 'headings'): Generator<string> {
  for (let slot = 0; slot < slots.length; slot++) {
    if (slots.lists(slot, field)) for (const text of slots.field(slot, field) ?? []) yield text;
  }
}

function* frequentMultiTokens(lex: Lexicon): Generator<string> {
  const ids: number[] = [];
  for (let t = 0; t < lex.size; t++) {
    if ((lex.words.data[t] as number) >= 2 && lex.df.get(t) >= MIN_DF_DISTILLED) ids.push(t);
  }
  ids.sort((a, b) => lex.cnt.get(b) - lex.cnt.get(a) || a - b);
  for (const t of ids) yield lex.display(lex.termKey(t));
}
