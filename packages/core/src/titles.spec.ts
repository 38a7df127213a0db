import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import { learnTitleAffixes, stripTitle } from './titles';

const SUFFIX = ' — Pyrite 3.11.2 documentation';
const TOPICS = ['dataclasses', 'contextlib', 'asyncio', 'json', 'pprint', 'sorting', 'subprocess', 'pathlib', 'typing', 'logging'];

function page(id: string, title: string, text: string): Entity {
  return { id, url: `https://docs.pyrite.test/${id}.html`, title, text, category: [], tags: [], links: [] };
}

describe('title boilerplate', () => {
  it('learns the suffix and the prefix most titles share, at a separator', () => {
    const titles = TOPICS.map((t) => `${t} — Data classes${SUFFIX}`).slice(0, 3).concat(TOPICS.map((t) => `${t}${SUFFIX}`));
    expect(learnTitleAffixes(titles)).toEqual({ prefix: '', suffix: SUFFIX });
    const prefixed = TOPICS.map((t) => `Pyrite: Docs: ${t}`);
    expect(learnTitleAffixes(prefixed)).toEqual({ prefix: 'Pyrite: Docs: ', suffix: '' });
  });

  it('learns nothing from a few titles, or from affixes only a minority share', () => {
    expect(learnTitleAffixes(TOPICS.slice(0, 5).map((t) => `${t}${SUFFIX}`))).toEqual({ prefix: '', suffix: '' });
    const mixed = TOPICS.map((t, i) => (i < 4 ? `${t}${SUFFIX}` : i < 7 ? `${t} | Other site` : t));
    expect(learnTitleAffixes(mixed)).toEqual({ prefix: '', suffix: '' });
  });

  it('never strips a title down to nothing', () => {
    expect(stripTitle('Pyrite 3.11.2 documentation', { prefix: '', suffix: SUFFIX })).toBe('Pyrite 3.11.2 documentation');
    expect(stripTitle(`json${SUFFIX}`, { prefix: '', suffix: SUFFIX })).toBe('json');
  });

  it('keeps the boilerplate out of the titles an index holds and ranks, through additions and snapshots', () => {
    const docs = TOPICS.map((t) => page(t, `${t}${SUFFIX}`, `The ${t} module. Pyrite documentation of ${t}.`));
    const idx = LexIndex.build(docs);
    expect(idx.options.titleAffixes).toEqual({ prefix: '', suffix: SUFFIX });
    expect(idx.get('json')?.title).toBe('json');
    idx.add(page('zipfile', `zipfile${SUFFIX}`, 'The zipfile module reads archives.'));
    expect(idx.get('zipfile')?.title).toBe('zipfile');
    const back = LexIndex.deserialize(idx.serialize());
    back.add(page('tarfile', `tarfile${SUFFIX}`, 'The tarfile module reads tar archives.'));
    expect(back.get('tarfile')?.title).toBe('tarfile');
    const answer = back.ask('pyrite documentation');
    for (const r of answer.results) expect(r.title).not.toContain('documentation');
    // the titles are rewritten in the build's stored lines: the snapshot is the one of the titles given without it
    const stripped = docs.map((d) => ({ ...d, title: stripTitle(d.title, { prefix: '', suffix: SUFFIX }) }));
    const given = LexIndex.build(stripped, { titleAffixes: { prefix: '', suffix: SUFFIX } });
    expect(Buffer.from(LexIndex.build(docs).serialize()).equals(Buffer.from(given.serialize()))).toBe(true);
    const titled = LexIndex.build(docs, { titleAffixes: { prefix: '', suffix: '' } });
    expect(titled.get('json')?.title).toBe(`json${SUFFIX}`);
  });
});
