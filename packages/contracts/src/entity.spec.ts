import { Entity, parseEntity } from './index';

function issuesOf(value: unknown): string {
  const r = parseEntity(value);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
  return r.message;
}

describe('entity schema', () => {
  it('fills the documented defaults and keeps every field of a full entity', () => {
    expect(parseEntity({ id: 'a', title: 'Alpha' })).toEqual({ ok: true, entity: { id: 'a', title: 'Alpha', text: '', category: [], tags: [], links: [] } });
    const full = {
      id: '/guide/install.html',
      url: 'https://docs.example.org/guide/install.html',
      title: 'Install',
      text: 'Run the installer.',
      headings: ['Install', 'Upgrade'],
      terms: ['installer'],
      category: ['Guide', 'Setup'],
      tags: ['install'],
      links: [{ url: '/index.html', text: 'Home', kind: 'see-also' }, { url: 'https://example.org/x' }],
      parent: '/guide/',
      meta: { lang: 'en' },
      acl: ['team-a'],
    };
    expect(Entity.parse(full)).toEqual({ ...full, links: [{ url: '/index.html', text: 'Home', kind: 'see-also' }, { url: 'https://example.org/x', text: '' }] });
  });

  it('trims list items and drops empty ones; an empty acl stays empty (visible to no group)', () => {
    expect(Entity.parse({ id: 'a', text: 't', category: [' A ', '', 'B'], tags: ['  '], acl: [] })).toMatchObject({ category: ['A', 'B'], tags: [], acl: [] });
  });

  it('never coerces a type, naming the field and both types', () => {
    expect(issuesOf({ id: 'a', title: 3 })).toBe('title: expected string, received number');
    expect(issuesOf({ id: 7, title: 'x' })).toBe('id: expected string, received number');
    expect(issuesOf({ id: 'a', title: 'x', category: 'notarray' })).toBe('category: expected array, received string');
    expect(issuesOf({ id: 'a', title: 'x', tags: ['ok', 2] })).toBe('tags.1: expected string, received number');
    expect(issuesOf({ id: 'a', title: 'x', meta: { n: 2 } })).toBe('meta.n: expected string, received number');
    expect(issuesOf({ id: 'a', title: 'x', acl: 'team-a' })).toBe('acl: expected array, received string');
    expect(issuesOf({ id: 'a', title: 'x', links: ['https://example.org/'] })).toBe('links.0: expected object, received string');
    expect(issuesOf({ id: 'a', title: 'x', links: [{ url: 'u', kind: 'nav' }] })).toMatch(/^links\.0\.kind: Invalid option: expected one of "see-also"\|"related"\|"body"$/);
    expect(issuesOf([{ id: 'a' }])).toBe('(root): expected object, received array');
  });

  it('refuses unknown fields, naming each one at its path', () => {
    expect(issuesOf({ id: 'a', title: 'x', categroy: ['A'] })).toBe('categroy: unknown field');
    expect(issuesOf({ id: 'a', title: 'x', links: [{ url: 'u', rel: 'next' }] })).toBe('links.0.rel: unknown field');
    expect(issuesOf({ _id: 'a', title: 'x' })).toBe('id: expected string, received undefined; _id: unknown field');
  });

  it('needs a non-blank id and a non-blank title or text', () => {
    expect(issuesOf({ id: '  ', title: 'x' })).toBe('id: must not be blank');
    expect(issuesOf({ id: 'a' })).toBe('title: a document needs a non-blank title or text');
    expect(issuesOf({ id: 'a', title: ' ', text: '' })).toBe('title: a document needs a non-blank title or text');
  });

  it('lists every bad field of a record, with its path', () => {
    const r = parseEntity({ id: 'a', title: 3, category: 'x', links: [{ url: 5 }], colour: 'red' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      { path: 'title', message: 'expected string, received number' },
      { path: 'category', message: 'expected array, received string' },
      { path: 'links.0.url', message: 'expected string, received number' },
      { path: 'colour', message: 'unknown field' },
    ]);
  });

  it('cannot reach the prototype through meta', () => {
    const parsed = Entity.parse(JSON.parse('{"id":"a","title":"x","meta":{"constructor":"y","k":"v"}}'));
    expect(Object.getPrototypeOf(parsed.meta)).toBe(Object.prototype);
    expect(parsed.meta).toEqual({ constructor: 'y', k: 'v' });
    expect(issuesOf(JSON.parse('{"id":"a","title":"x","meta":{"__proto__":{"polluted":"1"}}}'))).toBe('meta.__proto__: reserved key');
    expect(issuesOf(JSON.parse('{"id":"a","title":"x","__proto__":{"polluted":"1"}}'))).toBe('__proto__: unknown field');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
