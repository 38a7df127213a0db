import Database from 'better-sqlite3';

/** A labelled text for the kNN baseline. */
export interface KnnDoc {
  title: string;
  text: string;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased alphanumeric words (what FTS5's unicode61 tokenizer splits on). */
function words(s: string): string[] {
  return (s.toLowerCase().match(WORD) ?? []).filter((w) => w.length > 1 && !/^\d+$/.test(w));
}

/**
 * The peer baseline of taxonomy recovery: k-nearest-neighbour vote over SQLite FTS5 BM25 results, set up as the
 * bench's FTS5 peer (in-memory database, porter over unicode61, columns title and body, `bm25(t, 10.0, 1.0)`).
 * A document is queried by its `queryTerms` most significant words ((1 + log tf)·idf, idf from the indexed
 * documents; words held by more than `maxDfRatio` of them left out), each double-quoted and OR'ed, so the query
 * is valid FTS5 and fast. Neighbours vote for their labels with their BM25 score.
 */
export class Fts5Knn {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement<[number, string, string]>;
  private readonly deleteStmt: Database.Statement<[number]>;
  private readonly searchStmt: Database.Statement<[string, number], { rowid: number; s: number }>;
  private readonly df = new Map<string, number>();
  private readonly docs: Array<{ doc: KnnDoc; labels: readonly string[] } | undefined> = [];
  private live = 0;

  constructor(
    private readonly queryTerms = 40,
    private readonly maxDfRatio = 0.25,
  ) {
    this.db = new Database(':memory:');
    this.db.exec("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter')");
    this.insertStmt = this.db.prepare('INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)');
    this.deleteStmt = this.db.prepare('DELETE FROM t WHERE rowid = ?');
    this.searchStmt = this.db.prepare('SELECT rowid, bm25(t, 10.0, 1.0) AS s FROM t WHERE t MATCH ? ORDER BY s LIMIT ?');
  }

  /** Indexes labelled documents; returns their row numbers (for `remove` / `restore`). */
  addAll(items: ReadonlyArray<{ doc: KnnDoc; labels: readonly string[] }>): number[] {
    const rows: number[] = [];
    this.db.transaction(() => {
      for (const it of items) rows.push(this.insert(it.doc, it.labels));
    })();
    return rows;
  }

  private insert(doc: KnnDoc, labels: readonly string[], row = this.docs.length): number {
    this.insertStmt.run(row, doc.title, doc.text);
    this.docs[row] = { doc, labels };
    for (const w of new Set(words(`${doc.title}\n${doc.text}`))) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    this.live++;
    return row;
  }

  /** Takes a document out (its row and its document frequencies), for a leave-one-out prediction. */
  remove(row: number): void {
    const d = this.docs[row];
    if (!d) return;
    this.deleteStmt.run(row);
    for (const w of new Set(words(`${d.doc.title}\n${d.doc.text}`))) {
      const n = (this.df.get(w) ?? 0) - 1;
      if (n > 0) this.df.set(w, n);
      else this.df.delete(w);
    }
    this.docs[row] = undefined;
    this.live--;
  }

  /** Puts a removed document back in the same row. */
  restore(row: number, doc: KnnDoc, labels: readonly string[]): void {
    this.insert(doc, labels, row);
  }

  /** The FTS5 query of a document: its significant words, quoted and OR'ed ('' when none is known). */
  query(doc: KnnDoc): string {
    const tf = new Map<string, number>();
    for (const w of words(`${doc.title}\n${doc.title}\n${doc.text}`)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const n = Math.max(1, this.live);
    const scored: Array<[string, number]> = [];
    for (const [w, f] of tf) {
      const df = this.df.get(w) ?? 0;
      if (df === 0 || df / n > this.maxDfRatio) continue;
      scored.push([w, (1 + Math.log(f)) * Math.log((n + 1) / (df + 0.5))]);
    }
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return scored
      .slice(0, this.queryTerms)
      .map(([w]) => `"${w}"`)
      .join(' OR ');
  }

  /** The `k` nearest documents by BM25, best first, with their labels and score (−bm25, higher is better). */
  neighbours(doc: KnnDoc, k: number): Array<{ labels: readonly string[]; score: number }> {
    const q = this.query(doc);
    if (!q) return [];
    return this.searchStmt.all(q, k).map((r) => ({ labels: this.docs[r.rowid]?.labels ?? [], score: -r.s }));
  }

  close(): void {
    this.db.close();
  }
}
