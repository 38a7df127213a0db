import type { Entity } from '@lexigraph/core';
import { resolveCategoryPaths, treeLabels } from './datasets';

function page(id: string, title: string, up?: string): Entity {
  return { id, title, text: '', category: up === undefined ? [] : [up], tags: [], links: [] };
}

// A docs book whose pages name only the page above them (the "up" link), like the PostgreSQL manual.
const BOOK: Entity[] = [
  page('/index.html', 'Manual'),
  page('/admin.html', 'Part III. Administration', 'Manual'),
  page('/preface.html', 'Preface', 'Manual'),
  page('/config.html', 'Chapter 20. Configuration', 'Part III. Administration'),
  page('/config-wal.html', '20.5. Write Ahead Log', 'Chapter 20. Configuration'),
  page('/config-wal-archive.html', '20.5.1. Archiving', '20.5. Write Ahead Log'),
  page('/backup.html', 'Chapter 26. Backup', 'Part III. Administration'),
  page('/history.html', 'A Brief History', 'Preface'),
  page('/orphan.html', 'Orphan', 'No Such Page'),
];

describe('resolveCategoryPaths', () => {
  it('follows the up titles to the root, keeps explicit paths, and stops at unknown titles', () => {
    const paths = resolveCategoryPaths([...BOOK, { ...page('/x.html', 'X'), category: ['A', 'B'] }]);
    expect(paths.get('/config-wal-archive.html')).toEqual([
      'Manual',
      'Part III. Administration',
      'Chapter 20. Configuration',
      '20.5. Write Ahead Log',
    ]);
    expect(paths.get('/config.html')).toEqual(['Manual', 'Part III. Administration']);
    expect(paths.get('/index.html')).toEqual([]);
    expect(paths.get('/orphan.html')).toEqual(['No Such Page']);
    expect(paths.get('/x.html')).toEqual(['A', 'B']);
  });

  it('stops on a cycle of up links', () => {
    const paths = resolveCategoryPaths([page('/a', 'A', 'B'), page('/b', 'B', 'A')]);
    expect(paths.get('/a')).toEqual(['A', 'B']);
  });
});

describe('treeLabels', () => {
  it('drops the shared root and cuts the path to the chapter level', () => {
    const labels = treeLabels(BOOK.slice(0, 8), 2);
    expect(labels.get('/config-wal-archive.html')).toEqual(['Part III. Administration', 'Chapter 20. Configuration']);
    expect(labels.get('/config-wal.html')).toEqual(['Part III. Administration', 'Chapter 20. Configuration']);
    expect(labels.get('/config.html')).toEqual(['Part III. Administration']);
    expect(labels.get('/history.html')).toEqual(['Preface']);
    // the root and its direct children have no label below the root
    expect(labels.has('/index.html')).toBe(false);
    expect(labels.has('/admin.html')).toBe(false);
    expect(treeLabels(BOOK.slice(0, 8), 1).get('/config-wal.html')).toEqual(['Part III. Administration']);
  });
});
