import { LexIndex, type Entity, type RankedItem } from '@lexigraph/core';
import type { SearchEngine } from '../engine';

/**
 * Our engine with its default build options and query parameters. Ranking comes from `search` (ids only); the
 * reported latency is that of `ask`, the full answer (snippets, summary, categories, related tokens).
 */
export class LexigraphEngine implements SearchEngine {
  readonly name = 'lexigraph';
  private index: LexIndex | undefined;

  build(entities: Entity[]): void {
    this.index = LexIndex.build(entities);
  }

  search(q: string, k: number): RankedItem[] {
    const idx = this.need();
    return idx.search(q, { k }).map((r) => {
      const url = idx.get(r.id)?.url;
      return url === undefined ? { id: r.id } : { id: r.id, url };
    });
  }

  timedQuery(q: string): void {
    this.need().ask(q);
  }

  private need(): LexIndex {
    if (!this.index) throw new Error('lexigraph: search before build');
    return this.index;
  }
}
