import fc from 'fast-check';
import type { Entity } from './entity';
import { LexIndex, type Caller } from './lexindex';
import type { QueryTerm } from './matcher';
import { resolveParams, type QueryParams } from './params';

// A vocabulary whose words occur with Zipf-like frequencies, so that prompts mix common words (long postings, which
// the pruning skips) with rare ones (short postings, which set the threshold).
const VOCAB = Array.from({ length: 80 }, (_, i) => `w${i}`);

/** A small linear congruential generator: the corpus follows from one seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function zipfWord(r: () => number): string {
  // rank ~ 1/u: the first words are by far the most frequent
  const i = Math.min(VOCAB.length - 1, Math.max(0, Math.floor(1 / (r() + 0.0125)) - 1));
  return VOCAB[i] as string;
}

function sentence(r: () => number, words: number): string {
  return Array.from({ length: words }, () => zipfWord(r)).join(' ');
}

/** A short text of the commonest words only: these entities score near a common term's bound. */
function common(r: () => number, words: number): string {
  return Array.from({ length: words }, () => VOCAB[Math.floor(r() * 4)]).join(' ');
}

function corpus(seed: number, size: number): Entity[] {
  const r = rng(seed);
  return Array.from({ length: size }, (_, i) => ({
    id: `e${i}`,
    url: `http://docs.test/e${i}`,
    ...(r() < 0.06
      ? { title: common(r, 2 + Math.floor(r() * 3)), text: common(r, 2 + Math.floor(r() * 6)) }
      : {
          title: sentence(r, 1 + Math.floor(r() * 4)),
          text: Array.from({ length: 1 + Math.floor(r() * 4) }, () => sentence(r, 3 + Math.floor(r() * 12))).join('. '),
        }),
    category: [],
    tags: r() < 0.2 ? [zipfWord(r)] : [],
    links: [],
    ...(r() < 0.3 ? { acl: [r() < 0.5 ? 'g1' : 'g2'] } : {}),
  }));
}

const CALLERS: Caller[] = [{}, { aclGroups: ['g1'] }];

describe('Ranker: the pruned ranking equals the exhaustive one', () => {
  it('gives the same top slots and bit-identical scores, for random corpora, changes, prompts and parameters (property)', () => {
    let skipped = 0;
    let sought = 0;
    let completed = 0;
    let rankings = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        fc.array(
          fc.record({
            words: fc.array(fc.integer({ min: 0, max: VOCAB.length - 1 }), { minLength: 1, maxLength: 8 }),
            k: fc.constantFrom(1, 3, 10, 40),
            softMatch: fc.constantFrom(0, 0.5),
            wTitle: fc.constantFrom(1, 3),
            bBody: fc.constantFrom(0.3, 0.75, 1),
            caller: fc.constantFrom(...CALLERS),
            prunedFirst: fc.boolean(),
            // else the words of an entity's text from a position on, which hold its multi-tokens
            random: fc.boolean(),
            at: fc.nat(),
          }),
          { minLength: 10, maxLength: 30 },
        ),
        (seed, removals, changed, asks) => {
          const docs = corpus(seed, 360);
          const idx = LexIndex.build(docs);
          // changes leave postings lists out of slot order and statistics to be subtracted; without them the lists
          // stay as stored, in slot order, and the pruning may search them (accumulateSought)
          if (changed) {
            for (let i = 0; i < removals; i++) idx.remove(`e${(i * 7 + seed) % docs.length}`);
            for (const e of corpus(seed + 1, 20)) idx.add({ ...e, id: `n-${e.id}` });
          }
          for (const a of asks) {
            const p: QueryParams = resolveParams({ k: a.k, softMatch: a.softMatch, wTitle: a.wTitle, bBody: a.bBody });
            const scope = idx.scopeFor(a.caller);
            const text = (docs[a.at % docs.length] as Entity).text.split(' ');
            const from = Math.floor(a.at / docs.length) % text.length;
            const prompt = a.random ? a.words.map((w) => VOCAB[w]).join(' ') : text.slice(from, from + a.words.length).join(' ');
            const { terms } = idx.matchPrompt(prompt, p, scope);
            // the rankings learn bounds as they go: in either order, under either caller
            const early = a.prunedFirst ? idx.rank(terms, p, p.k, scope) : null;
            const full = idx.rank(terms, p, p.k, scope, true);
            if (early) {
              expect(early.slots).toEqual(full.slots);
              expect(early.scores).toEqual(full.scores);
            }
            for (let pass = 0; pass < 2; pass++) {
              const pruned = idx.rank(terms, p, p.k, scope);
              expect(pruned.slots).toEqual(full.slots);
              expect(pruned.scores).toEqual(full.scores);
              expect(pruned.maxScore).toBe(full.maxScore);
              skipped += pruned.skipped;
              sought += pruned.sought;
              if (pruned.completed) completed++;
              rankings++;
            }
            expect(full.skipped).toBe(0);
            expect(full.sought).toBe(0);
          }
        },
      ),
      { numRuns: 20 },
    );
    // the property held where the pruning skipped postings, not only where it could not
    expect(rankings).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
    // and where it searched a word's postings for its few open slots (accumulateSought)
    expect(sought).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(0);
  });

  it("completes a slot's score from its token stream with the counts its postings hold, after changes (property)", () => {
    // and an answer's confidence asks whether its top entity holds a term the same way (LexIndex.slotHolds)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (seed, removals, picks) => {
        const docs = corpus(seed, 120);
        const idx = LexIndex.build(docs);
        for (let i = 0; i < removals; i++) idx.remove(`e${(i * 7 + seed) % docs.length}`);
        for (const e of corpus(seed + 1, 10)) idx.add({ ...e, id: `n-${e.id}` });
        const post = idx['post'];
        const slots = idx['graph'].entities.length;
        const counts = [0, 0];
        for (const at of picks) {
          // the words of an entity's text from a position on: they hold its multi-tokens
          const text = (docs[at % docs.length] as Entity).text.split(' ');
          const { terms } = idx.matchPrompt(text.slice(at % text.length, (at % text.length) + 4).join(' '), resolveParams(), idx.scopeFor({}));
          for (const q of terms) {
            const held = new Map<number, [number, number]>();
            const list = idx.postingsOf(q.termId);
            for (let i = 0; i < list.length; i += 3) held.set(list[i] as number, [list[i + 1] as number, list[i + 2] as number]);
            for (let slot = 0; slot < slots; slot++) {
              post.countsIn(slot, q.termId, counts);
              expect(counts).toEqual(held.get(slot) ?? [0, 0]);
              expect(idx.slotHolds(slot, q.termId)).toBe(held.has(slot));
            }
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('Ranker: the slots a ranking scores', () => {
  it('are all reset for the next ranking, when scores fall back to zero and rise again past the room it keeps', () => {
    const idx = LexIndex.build(corpus(7, 360));
    const p = resolveParams({ softMatch: 0 });
    const scope = idx.scopeFor({});
    const rare = idx.matchPrompt('w20', p, scope).terms[0] as QueryTerm;
    const common = idx.matchPrompt('w0', p, scope).terms;
    const before = idx.rank(common, p, 10, scope, true);
    // +rare, −rare, … (scored before the common word, whose df is larger): each holder of the rare word goes back to
    // zero and is noted again, thousands of times, so the common word's holders are noted past the first room
    const swings = Array.from({ length: 2000 }, (_, i) => ({ ...rare, weight: i % 2 === 0 ? rare.weight : -rare.weight }));
    expect(idx.termDf(rare.termId) * 1000).toBeGreaterThan(2048);
    idx.rank([...swings, ...common], p, 10, scope, true);
    expect(idx.rank(common, p, 10, scope, true)).toEqual(before);
  });
});

describe("Ranker: a posting's tf̃", () => {
  it('is the BM25F sum over the fields it counts, for title and body words and for every other field and length', () => {
    const long = Array.from({ length: 70_000 }, (_, i) => (i % 9 === 0 ? 'alpha' : `filler${i % 50}`)).join(' ');
    const docs: Entity[] = [
      { id: 'title-body', title: 'Alpha beta', text: 'Alpha and beta and gamma.', category: [], tags: [], links: [] },
      { id: 'body-only', title: 'Other', text: 'Beta beta alpha delta.', category: [], tags: [], links: [] },
      { id: 'tagged', title: 'Tagged', text: 'Gamma delta.', category: ['Alpha'], tags: ['alpha', 'beta'], links: [] },
      { id: 'anchored', title: 'Anchored', text: 'Delta alpha.', category: [], tags: [], links: [] },
      { id: 'linking', title: 'Linking', text: 'See the page.', category: [], tags: [], links: [{ url: 'anchored', text: 'alpha beta page' }] },
      { id: 'long-body', title: 'Alpha long', text: long, category: [], tags: [], links: [] },
      { id: 'long-title', title: Array.from({ length: 70_000 }, () => 'beta').join(' '), text: 'Alpha once.', category: [], tags: [], links: [] },
    ];
    const idx = LexIndex.build(docs);
    const p = resolveParams({ softMatch: 0, wTitle: 3, wTags: 2, wCategory: 1.5, wAnchor: 1.2, wBody: 0.9 });
    const scope = idx.scopeFor({});
    const { terms } = idx.matchPrompt('alpha beta', p, scope);
    for (const exhaustive of [true, false]) {
      const r = idx.rank(terms, p, 10, scope, exhaustive);
      expect(r.slots.length).toBe(docs.length - 1);
      // explain reads every field's length apart (Postings.lengths): an independent sum of the same parts
      const ex = idx.explainRanked(terms, p, r.slots, r.scores, scope);
      ex.forEach((e, i) => {
        const parts = e.terms.reduce((a, t) => a + t.score, 0);
        expect(parts).toBeGreaterThan(0);
        expect(parts).toBeCloseTo(r.scores[i] as number, 9);
      });
    }
  });
});
