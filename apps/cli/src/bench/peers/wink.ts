import bm25 from 'wink-bm25-text-search';
import nlp from 'wink-nlp-utils';
import type { Entity, RankedItem } from '@lexigraph/core';
import { peerBody, type SearchEngine } from '../engine';

/**
 * wink-bm25-text-search (BM25F): fields title (weight 10) and body (weight 1), default k1 = 1.2, b = 0.75.
 * Text preparation from wink-nlp-utils, the package's documented pipeline: lower-case, tokenize (tokenize0:
 * split on non-word characters), remove stopwords, Porter-stem. The same tasks prepare the query.
 */
export class WinkEngine implements SearchEngine {
  readonly name = 'wink-bm25';
  private engine: ReturnType<typeof bm25> | undefined;
  private byId = new Map<string, RankedItem>();

  build(entities: Entity[]): void {
    const engine = bm25();
    engine.defineConfig({ fldWeights: { title: 10, body: 1 } });
    engine.definePrepTasks([nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem]);
    const byId = new Map<string, RankedItem>();
    for (const e of entities) {
      // wink throws on a duplicate id; the first entity of an id wins, as in a keyed store.
      if (byId.has(e.id)) continue;
      engine.addDoc({ title: e.title, body: peerBody(e) }, e.id);
      byId.set(e.id, e.url === undefined ? { id: e.id } : { id: e.id, url: e.url });
    }
    if (byId.size < 3) throw new Error('wink-bm25: needs at least 3 documents to consolidate');
    engine.consolidate();
    this.engine = engine;
    this.byId = byId;
  }

  search(q: string, k: number): RankedItem[] {
    if (!this.engine) throw new Error('wink-bm25: search before build');
    return this.engine.search(q, k).map(([id]) => this.byId.get(id) ?? { id });
  }
}
