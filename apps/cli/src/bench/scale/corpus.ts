import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Entity } from '@lexigraph/core';
import { loadReuters, REUTERS_ARCHIVE } from '../../taxonomy/datasets';
import { seededRandom, shuffled } from '../../tune/split';
import { isSkipped, loadDataset } from '../datasets';
import { scaleEntityId } from './ids';

export { scaleEntityId } from './ids';

/** Corpora whose sentences feed the scale corpus, in the order they are read (the order is part of the seed's output). */
export const SENTENCE_SOURCES = ['scifact', 'reuters', 'pg'] as const;
export type SentenceSource = (typeof SENTENCE_SOURCES)[number];

/** The sentences of one shipped corpus, in reading order, and the category paths found in it. */
export interface SourceSentences {
  name: SentenceSource;
  sentences: string[];
  /** Distinct category labels of the source's documents (Reuters topics, PostgreSQL manual chapters), sorted. */
  categories: string[];
}

/** Everything the generator draws from: the sentences of each source, and the SciFact claims (prompts). */
export interface SentencePool {
  sources: SourceSentences[];
  claims: string[];
}

/** Text length at which a generated entity stops taking sentences: with its title, about 1.25 KB per entity. */
export const TARGET_TEXT_CHARS = 1100;
/** One entity in this many carries a category path (`[source, label]`), so the category tables are exercised. */
export const CATEGORY_EVERY = 20;
/** Prompts of a scale run: half SciFact claims, half fragments of corpus sentences. */
export const SCALE_PROMPTS = 1000;

const MIN_SENTENCE = 40;
const MAX_SENTENCE = 400;
const MIN_WORDS = 5;

/**
 * Splits a text into sentences fit to recombine: whitespace collapsed, cut after `.`, `!` or `?` before an upper-case
 * letter or digit, and kept when 40..400 characters long, of at least 5 words and mostly letters (code samples and
 * tables of the manual are left out).
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n|\n(?=\s{2,})/)) {
    const flat = para.replace(/\s+/g, ' ').trim();
    if (flat === '') continue;
    for (const raw of flat.split(/(?<=[.!?])\s+(?=["'(]?[A-Z0-9])/)) {
      const s = raw.trim();
      if (s.length < MIN_SENTENCE || s.length > MAX_SENTENCE) continue;
      if (s.split(' ').length < MIN_WORDS) continue;
      if (s.replace(/[^\p{L} ]+/gu, '').length < 0.8 * s.length) continue;
      out.push(s);
    }
  }
  return out;
}

function fromEntities(name: SentenceSource, entities: readonly Entity[], perLine: boolean): SourceSentences {
  const seen = new Set<string>();
  const sentences: string[] = [];
  const labels = new Set<string>();
  for (const e of entities) {
    // The manual's reader gives one paragraph per line; Reuters and SciFact wrap sentences across lines.
    const text = perLine ? e.text.split('\n').join('\n\n') : e.text;
    for (const s of splitSentences(text)) {
      if (seen.has(s)) continue;
      seen.add(s);
      sentences.push(s);
    }
    const label = e.category[e.category.length - 1];
    if (label !== undefined && label.trim() !== '') labels.add(label.trim());
  }
  return { name, sentences, categories: [...labels].sort() };
}

/**
 * Reads the sentences of the shipped corpora with the bench's dataset readers: SciFact abstracts (and its claims,
 * used as prompts), Reuters-21578 bodies (the ModApte documents) and the PostgreSQL 15 manual. `sources` picks a
 * subset (default all three); SciFact is always read for the claims. Throws naming the missing file.
 */
export async function loadSentencePool(sharedDataDir: string, sources: readonly SentenceSource[] = SENTENCE_SOURCES): Promise<SentencePool> {
  const scifact = await loadDataset('scifact', sharedDataDir);
  if (isSkipped(scifact)) throw new Error(`scale corpus: ${scifact.reason}`);
  const out: SourceSentences[] = [];
  for (const name of SENTENCE_SOURCES) {
    if (!sources.includes(name)) continue;
    if (name === 'scifact') out.push(fromEntities(name, scifact.entities, false));
    if (name === 'reuters') {
      const archive = path.join(sharedDataDir, REUTERS_ARCHIVE);
      if (!existsSync(archive)) throw new Error(`scale corpus: missing ${archive} (set LEXIGRAPH_SHARED_DATA)`);
      const reuters = await loadReuters(archive);
      out.push(fromEntities(name, [...reuters.train, ...reuters.test], false));
    }
    if (name === 'pg') {
      const pg = await loadDataset('pg', sharedDataDir);
      if (isSkipped(pg)) throw new Error(`scale corpus: ${pg.reason}`);
      out.push(fromEntities(name, pg.entities, true));
    }
  }
  const claims = [...new Set(scifact.qrels.map((q) => q.query))];
  return { sources: out.filter((s) => s.sentences.length > 0), claims };
}


function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** The first 4..9 words of a sentence, trailing punctuation dropped. */
function titleOf(sentence: string, random: () => number): string {
  const words = sentence.split(' ');
  return words
    .slice(0, 4 + Math.floor(random() * 6))
    .join(' ')
    .replace(/[\s,;:.!?-]+$/, '');
}

/**
 * The entities of a scale corpus, one at a time (nothing of the corpus is held): entity n draws a source (uniformly), then
 * a run of 2..6 consecutive sentences of that source from a random start (neighbouring sentences mostly come from
 * one document, so co-occurrences stay realistic) followed by random sentences of the source, until the text
 * reaches 1,100 characters; its title is the first 4..9 words of the run's first sentence. Every 20th entity gets the category `[source, label]`.
 * The same pool, size and seed give the same entities.
 */
export function* generateEntities(pool: SentencePool, size: number, seed: number): Generator<Entity> {
  if (pool.sources.length === 0) throw new Error('scale corpus: no sentences to draw from');
  const random = seededRandom(seed);
  for (let n = 1; n <= size; n++) {
    const source = pick(pool.sources, random);
    const { sentences } = source;
    let at = Math.floor(random() * sentences.length);
    const title = titleOf(sentences[at] as string, random);
    const parts: string[] = [];
    let length = 0;
    const run = 2 + Math.floor(random() * 5);
    while (length < TARGET_TEXT_CHARS) {
      const s = parts.length < run ? (sentences[at++ % sentences.length] as string) : pick(sentences, random);
      parts.push(s);
      length += s.length + 1;
    }
    const category = n % CATEGORY_EVERY === 0 && source.categories.length > 0 ? [source.name, pick(source.categories, random)] : [];
    yield { id: scaleEntityId(n), title, text: parts.join(' '), category, tags: [], links: [] };
  }
}

/** One JSON Lines record of a generated entity: the fields the `jsonl` reader takes (id, title, text, category). */
export function entityLine(e: Entity): string {
  return JSON.stringify(e.category.length > 0 ? { id: e.id, title: e.title, text: e.text, category: e.category } : { id: e.id, title: e.title, text: e.text });
}

export interface WrittenCorpus {
  file: string;
  entities: number;
  bytes: number;
  /** SHA-256 of the file (hex): equal for equal pool, size and seed. */
  sha256: string;
}

/** Streams `size` generated entities to `file` as JSON Lines (writes wait for the stream to drain). */
export async function writeCorpus(pool: SentencePool, size: number, seed: number, file: string): Promise<WrittenCorpus> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let bytes = 0;
  let entities = 0;
  try {
    for (const e of generateEntities(pool, size, seed)) {
      const line = `${entityLine(e)}\n`;
      hash.update(line);
      bytes += Buffer.byteLength(line);
      entities++;
      if (!out.write(line)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { file, entities, bytes, sha256: hash.digest('hex') };
}

/**
 * The prompts of a scale run, the same for every size of one seed: half SciFact claims (a seeded sample), half
 * fragments of 3..6 consecutive words of random corpus sentences, interleaved.
 */
export function scalePrompts(pool: SentencePool, seed: number, count: number = SCALE_PROMPTS): string[] {
  const random = seededRandom(seed ^ 0x5ca1e);
  const claims = shuffled(pool.claims, random);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const claim = claims[i >> 1];
    if (i % 2 === 0 && claim !== undefined) {
      out.push(claim);
      continue;
    }
    const words = pick(pick(pool.sources, random).sentences, random)
      .split(' ')
      .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
      .filter((w) => w !== '');
    const len = 3 + Math.floor(random() * 4);
    const from = Math.floor(random() * Math.max(1, words.length - len));
    out.push(words.slice(from, from + len).join(' '));
  }
  return out;
}
