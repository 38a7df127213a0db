import type { Entity } from '@lexigraph/contracts';
import { splitSections } from './sections';

function para(word: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `${word} sentence ${i}.`).join(' ');
}

const long: Entity = {
  id: '/guide.html',
  url: 'https://x.org/guide.html',
  title: 'Guide',
  text: ['Guide', para('intro', 20), 'Install', para('install', 60), 'Configure', para('configure', 60), 'term_a', 'Tip', 'short tip'].join('\n'),
  headings: ['Guide', 'Install', 'Configure', 'Tip'],
  terms: ['term_a'],
  category: ['Docs'],
  tags: ['t'],
  links: [
    { url: 'https://x.org/conf.html', text: 'configure sentence 3', kind: 'body' },
    { url: 'https://x.org/none.html', text: 'not in text', kind: 'see-also' },
  ],
  meta: { description: 'd' },
};

describe('splitSections', () => {
  it('returns short entities unchanged', () => {
    const e: Entity = { ...long, text: 'short' };
    expect(splitSections(e)).toEqual([e]);
  });

  it('splits at headings, packs into chunks of at most maxChars, and keeps the page as parent', () => {
    const parts = splitSections(long, 1500);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.id)).toEqual(parts.map((_, i) => `/guide.html#${i + 1}`));
    for (const p of parts) {
      expect(p.text.length).toBeLessThanOrEqual(1500);
      expect(p).toMatchObject({ parent: '/guide.html', url: long.url, category: ['Docs'], tags: ['t'], meta: { description: 'd' } });
    }
    // No text lost or duplicated.
    expect(parts.map((p) => p.text).join('\n')).toBe(long.text);
    expect(parts[0]?.title).toBe('Guide');
    const install = parts.find((p) => p.text.startsWith('Install\n'));
    expect(install?.title).toBe('Guide — Install');
    expect(install?.headings).toEqual(['Install']);
    const configure = parts.find((p) => p.headings?.includes('Configure'));
    expect(configure?.terms).toEqual(['term_a']);
    expect(configure?.links.map((l) => l.url)).toContain('https://x.org/conf.html');
    // A link whose text is nowhere goes to the first chunk; every link is kept exactly once.
    expect(parts[0]?.links.map((l) => l.url)).toContain('https://x.org/none.html');
    expect(parts.flatMap((p) => p.links)).toHaveLength(2);
  });

  it('cuts a single over-long line', () => {
    const e: Entity = { id: 'x', title: 'X', text: 'word '.repeat(3000).trim(), category: [], tags: [], links: [] };
    const parts = splitSections(e, 1000);
    expect(parts.length).toBeGreaterThanOrEqual(15);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(1000);
    expect(parts.map((p) => p.text).join(' ')).toBe(e.text);
  });
});
