import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LexIndex, parseQrels, type Entity } from '@lexigraph/core';
import { htmlToEntity } from '@lexigraph/crawler';
import { demoArchivePath } from '../src/commands/demo';
import { readTarBrotli } from '../src/demo/tar';

/**
 * The product's promise, checked on every query of the vendored PostgreSQL qrels (2,829 prompts): every summary
 * sentence is quoted verbatim from the entity it cites, and every result carries its source (an id or a URL).
 * The index is built in-process from the vendored manual, as `demo` builds it, minus the HTTP round trip: each page
 * goes through the crawler's HTML reader at its public address, then the engine builds the index and it goes through
 * the snapshot round trip of a published index. (The manual holds no duplicate pages, so the ingest's deduplication
 * would keep every page: it is left out to keep the test fast.)
 */
const VENDOR = path.dirname(demoArchivePath());
const BASE = 'https://www.postgresql.org/docs/15/';

interface Violation {
  query: string;
  kind: string;
  entity: string;
  sentence?: string;
}

describe('faithfulness on the PostgreSQL 15 manual', () => {
  let index: LexIndex;
  const qrels = parseQrels(readFileSync(path.join(VENDOR, 'pg15.qrels.jsonl'), 'utf8'));

  beforeAll(() => {
    const pages: Entity[] = [];
    for (const f of readTarBrotli(readFileSync(demoArchivePath()))) {
      const name = path.posix.basename(f.path);
      // The back-of-book index is where the qrels come from: it is left out, as the demo's crawl leaves it out.
      if (!name.endsWith('.html') || name === 'bookindex.html') continue;
      pages.push(htmlToEntity(f.data.toString('utf8'), BASE + name));
    }
    // Answers come from a loaded snapshot in the product, so the test asks one too.
    index = LexIndex.deserialize(LexIndex.build(pages).serialize());
  }, 120_000);

  it('reads the whole vendored qrels file', () => {
    expect(qrels).toHaveLength(2829);
    expect(index.size).toBeGreaterThan(1100);
  });

  it('quotes every summary sentence verbatim from the entity it cites, and every result names its source', () => {
    const violations: Violation[] = [];
    let sentences = 0;
    let results = 0;
    for (const { query } of qrels) {
      const answer = index.ask(query);
      for (const r of answer.results) {
        results++;
        const hasId = typeof r.id === 'string' && r.id !== '';
        const hasUrl = typeof r.url === 'string' && r.url !== '';
        if (!hasId && !hasUrl) violations.push({ query, kind: 'result without id or url', entity: JSON.stringify(r.title) });
      }
      for (const s of answer.summary) {
        sentences++;
        const cited = index.get(s.sourceId);
        if (!cited) {
          violations.push({ query, kind: 'cites an unknown entity', entity: s.sourceId, sentence: s.sentence });
          continue;
        }
        if (s.sentence.trim() === '' || !cited.text.includes(s.sentence)) {
          violations.push({ query, kind: 'sentence not in the cited entity', entity: s.sourceId, sentence: s.sentence });
        } else if (cited.text.slice(s.start, s.end) !== s.sentence) {
          violations.push({ query, kind: `offsets ${s.start}..${s.end} do not hold the sentence`, entity: s.sourceId, sentence: s.sentence });
        }
      }
    }
    // Printed in full on failure: query, sentence and entity of each violation.
    expect(violations.slice(0, 50)).toEqual([]);
    expect(violations).toHaveLength(0);
    // The check is not vacuous: most prompts get results and a summary.
    expect(results).toBeGreaterThan(qrels.length * 5);
    expect(sentences).toBeGreaterThan(qrels.length);
  }, 120_000);
});
