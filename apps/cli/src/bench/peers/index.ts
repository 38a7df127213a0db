import type { SearchEngine } from '../engine';
import { Fts5Engine } from './fts5';
import { LexigraphEngine } from './lexigraph';
import { MiniSearchEngine } from './minisearch';
import { WinkEngine } from './wink';

/** Engine names accepted by the bench, ours first. */
export const ENGINE_NAMES = ['lexigraph', 'fts5', 'wink-bm25', 'minisearch'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}

/** A fresh, unbuilt engine of that name. */
export function createEngine(name: EngineName): SearchEngine {
  switch (name) {
    case 'lexigraph':
      return new LexigraphEngine();
    case 'fts5':
      return new Fts5Engine();
    case 'wink-bm25':
      return new WinkEngine();
    case 'minisearch':
      return new MiniSearchEngine();
  }
}

export { FTS5_CREATE, FTS5_INSERT, FTS5_SEARCH, Fts5Engine, fts5Query } from './fts5';
export { LexigraphEngine } from './lexigraph';
export { MiniSearchEngine } from './minisearch';
export { WinkEngine } from './wink';
