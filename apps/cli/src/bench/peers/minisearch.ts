import MiniSearch from 'minisearch';
import type { Entity, RankedItem } from '@lexigraph/core';
import { peerBody, type SearchEngine } from '../engine';

interface Doc {
  i: number;
  title: string;
  text: string;
}

/**
 * MiniSearch (BM25+): fields title and text, title boosted 10×, exact terms only (no prefix, no fuzzy), terms
 * OR'ed. Its default tokenizer (split on space and punctuation) and lower-casing; no stemming.
 */
export class MiniSearchEngine implements SearchEngine {
  readonly name = 'minisearch';
  private index: MiniSearch<Doc> | undefined;
  private items: RankedItem[] = [];

  build(entities: Entity[]): void {
    const index = new MiniSearch<Doc>({
      idField: 'i',
      fields: ['title', 'text'],
      storeFields: [],
      searchOptions: { boost: { title: 10 }, prefix: false, fuzzy: false, combineWith: 'OR' },
    });
    index.addAll(entities.map((e, i) => ({ i, title: e.title, text: peerBody(e) })));
    this.items = entities.map((e) => (e.url === undefined ? { id: e.id } : { id: e.id, url: e.url }));
    this.index = index;
  }

  search(q: string, k: number): RankedItem[] {
    if (!this.index) throw new Error('minisearch: search before build');
    const hits = this.index.search(q);
    const out: RankedItem[] = [];
    for (let i = 0; i < hits.length && i < k; i++) out.push(this.items[(hits[i] as { id: number }).id] as RankedItem);
    return out;
  }
}
