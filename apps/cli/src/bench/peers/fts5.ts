import Database from 'better-sqlite3';
import type { Entity, RankedItem } from '@lexigraph/core';
import { peerBody, type SearchEngine } from '../engine';

/** Alphanumeric terms of a prompt, each double-quoted (so FTS5 operators in the prompt are inert), OR'ed. */
export function fts5Query(prompt: string): string {
  const terms = prompt.match(/[\p{L}\p{N}]+/gu) ?? [];
  return terms.map((t) => `"${t}"`).join(' OR ');
}

/** The FTS5 table of the peer: porter stemmer over unicode61, columns title and body (see peerBody). */
export const FTS5_CREATE = "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter')";
/** Rows of the FTS5 table. */
export const FTS5_INSERT = 'INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)';
/** Top-k rowids of a match, ranked by `bm25(t, 10.0, 1.0)`: a title hit weighs ten body hits. */
export const FTS5_SEARCH = 'SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t, 10.0, 1.0) LIMIT ?';

/**
 * SQLite FTS5 with its BM25 ranking: in-memory database, porter stemmer over unicode61, columns title and body,
 * `bm25(t, 10.0, 1.0)` so a title hit weighs ten body hits. The rowid is the entity's position in the build input.
 */
export class Fts5Engine implements SearchEngine {
  readonly name = 'fts5';
  private db: Database.Database | undefined;
  private stmt: Database.Statement<[string, number], { rowid: number }> | undefined;
  private items: RankedItem[] = [];

  build(entities: Entity[]): void {
    this.close();
    const db = new Database(':memory:');
    db.exec(FTS5_CREATE);
    const insert = db.prepare<[number, string, string]>(FTS5_INSERT);
    const items: RankedItem[] = [];
    db.transaction(() => {
      entities.forEach((e, i) => {
        insert.run(i, e.title, peerBody(e));
        items.push(e.url === undefined ? { id: e.id } : { id: e.id, url: e.url });
      });
    })();
    this.db = db;
    this.items = items;
    this.stmt = db.prepare<[string, number], { rowid: number }>(FTS5_SEARCH);
  }

  search(q: string, k: number): RankedItem[] {
    if (!this.stmt) throw new Error('fts5: search before build');
    const match = fts5Query(q);
    if (match === '') return [];
    return this.stmt.all(match, k).map((r) => this.items[r.rowid] as RankedItem);
  }

  /** Size of the in-memory database (pages × page size). */
  nativeBytes(): number {
    if (!this.db) return 0;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.stmt = undefined;
  }
}
