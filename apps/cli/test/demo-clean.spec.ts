import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LexIndex, learnTitleAffixes, parseQrels, type Entity } from '@lexigraph/core';
import { htmlToEntity } from '@lexigraph/crawler';
import { demoArchivePath } from '../src/commands/demo';
import { readTarBrotli } from '../src/demo/tar';

/** Permalink marks a documentation generator puts beside headings. */
const MARKS = /[¶§🔗⚓]/u;

describe('the demo collection reads clean', () => {
  let entities: Entity[];
  let index: LexIndex;

  beforeAll(async () => {
    const files = readTarBrotli(await fs.readFile(demoArchivePath())).filter((f) => f.path.endsWith('.html') && !f.path.endsWith('bookindex.html'));
    // the pages as the demo's crawl reads them
    entities = files.map((f) => htmlToEntity(Buffer.from(f.data).toString('utf8'), `http://127.0.0.1/${f.path}`));
    index = LexIndex.build(entities);
  }, 120_000);

  it('has no permalink mark in any title, heading or term, and no title boilerplate', () => {
    expect(entities.length).toBeGreaterThan(1000);
    for (const e of entities) {
      expect(e.title).not.toMatch(MARKS);
      for (const h of [...(e.headings ?? []), ...(e.terms ?? [])]) expect(h).not.toMatch(MARKS);
    }
    // no prefix or suffix shared by most titles is left in the titles the index holds
    const held = entities.map((e) => (index.get(e.id) as Entity).title);
    expect(learnTitleAffixes(held)).toEqual({ prefix: '', suffix: '' });
  });

  it('answers 300 prompts of its judgments with no permalink mark in a title, snippet or summary', async () => {
    const qrels = parseQrels(await fs.readFile(path.join(path.dirname(demoArchivePath()), 'pg15.qrels.jsonl'), 'utf8'));
    let snippets = 0;
    for (const q of qrels.slice(0, 300)) {
      const a = index.ask(q.query);
      for (const r of a.results) {
        expect(r.title).not.toMatch(MARKS);
        for (const s of r.snippets) {
          snippets++;
          expect(s.text).not.toMatch(MARKS);
        }
      }
      for (const s of a.summary) expect(s.sentence).not.toMatch(MARKS);
    }
    expect(snippets).toBeGreaterThan(1000);
  }, 120_000);
});
