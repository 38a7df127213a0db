import type { LexIndex, Scope } from './lexindex';

/** A see-also link of an answer. */
export interface SeeAlso {
  title: string;
  url: string;
}

/** See-also links listed, at most. */
export const SEE_ALSO_COUNT = 5;

/**
 * The pages a reader of the top results would open next: first the results' explicit see-also and related links,
 * then the pages several results link to, each link weighed by the rarity of links to its target (ln(1 + N / (1 +
 * links to it))), so the pages the whole corpus links to (a bibliography, a chapter every page points at) do not lead;
 * then by the rank of the results linking (Σ 1 / (rank + 1)). The results themselves, links without a title and links
 * to entities the caller may not see are left out. `slots` are the results' slots, in their order.
 */
export function seeAlsoOf(idx: LexIndex, results: ReadonlyArray<{ id: string; url?: string }>, slots: readonly number[], scope: Scope): SeeAlso[] {
  const inResults = new Set(results.map((r) => r.url ?? r.id));
  const live = Math.max(1, scope.live);
  const byUrl = new Map<string, { title: string; url: string; explicit: number; results: number; support: number }>();
  results.forEach((_r, rank) => {
    // by its slot (the result's entity), not its id: an answer whose results link nowhere needs no key lookup
    const e = idx.slotEntity(slots[rank] as number);
    if (!e) return;
    for (const l of idx.outlinks(e)) {
      if (inResults.has(l.url) || inResults.has(l.full) || !l.title.trim()) continue;
      // a link to an entity the caller may not see is left out (its title would be the hidden entity's)
      if (scope.view && !idx.seesLink(l.full, scope)) continue;
      const cur = byUrl.get(l.url) ?? { title: l.title.trim(), url: l.url, explicit: 0, results: 0, support: 0 };
      // an explicit see-also or related link weighs 10 (graph.ts)
      if (l.weight >= 10) cur.explicit += 1 / (rank + 1);
      cur.results++;
      cur.support += 1 / (rank + 1);
      byUrl.set(l.url, cur);
    }
  });
  const rarity = (url: string) => Math.log(1 + live / (1 + idx.inboundCount(url)));
  return [...byUrl.values()]
    .map((x) => ({ ...x, shared: x.results * rarity(x.url) }))
    .sort((a, b) => b.explicit - a.explicit || b.shared - a.shared || b.support - a.support || (a.url < b.url ? -1 : 1))
    .slice(0, SEE_ALSO_COUNT)
    .map(({ title, url }) => ({ title, url }));
}
