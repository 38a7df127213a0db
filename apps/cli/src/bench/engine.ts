import type { Entity, RankedItem } from '@lexigraph/core';

/**
 * A search engine under benchmark: ours or a peer. `build` indexes the whole collection from scratch (a second call
 * replaces the first index); `search` returns at most `k` results, best first.
 */
export interface SearchEngine {
  name: string;
  build(entities: Entity[]): void | Promise<void>;
  search(q: string, k: number): RankedItem[];
  /**
   * Optional: the call whose latency is reported, when it is not `search` (ours reports the full answer, `ask`).
   * Defaults to `search(q, 10)`.
   */
  timedQuery?(q: string): void;
  /** Optional: bytes the index holds outside the JS heap, when the engine can tell (the SQLite database). */
  nativeBytes?(): number;
  /** Optional: release native resources (the SQLite database). */
  close?(): void;
}

/**
 * The text every peer indexes besides the title: the title again, the section headings and the body text, one per
 * line. That is the text our engine reads from those fields, so peers are not handicapped by seeing less. (Ours also
 * reads defined terms, category, tags and link anchors; peers have no field for them.)
 */
export function peerBody(e: Entity): string {
  return [e.title, ...(e.headings ?? []), e.text].filter((s) => s !== '').join('\n');
}
