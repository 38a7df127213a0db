import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CrawlConfig, parseOrThrow } from '@lexigraph/contracts';
import { loadIndex } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { readTarBrotli } from '../demo/tar';
import { serveFiles } from '../demo/static-server';
import { usage } from '../errors';
import { formatAnswer } from '../format';
import { println } from '../io';
import { runIngest } from './ingest';

export const DEMO_COLLECTION = 'pg15-docs';

/** Prompts the demo answers once the manual is indexed. */
export const DEMO_PROMPTS = [
  'how do I monitor long running queries',
  'max_wal_size',
  'create a partial index',
  'vacuum freeze',
  'difference between json and jsonb',
];

/** The vendored archive, found from this file's folder (src/commands or dist/commands alike). */
export function demoArchivePath(): string {
  return path.resolve(__dirname, '..', '..', '..', '..', 'vendor', 'pg15-docs', 'pg15-docs.tar.br');
}

export interface DemoOptions {
  progress?: boolean;
  /** Override the archive (tests use a small one). */
  archive?: string;
  prompts?: string[];
}

/**
 * `demo`: unpacks the vendored PostgreSQL 15 manual, serves it on 127.0.0.1 at a random port, crawls it over HTTP
 * into the `pg15-docs` collection (loopback explicitly allowed, the back-of-book index excluded), distills, builds
 * and publishes the index in the embedded store, then prints the answers to a few prompts.
 */
export async function demoCommand(ctx: CliContext, opts: DemoOptions = {}): Promise<number> {
  const out = ctx.io.stdout;
  const archive = opts.archive ?? demoArchivePath();
  if (!existsSync(archive)) throw usage(`demo corpus not found at ${archive}`);
  const t0 = performance.now();
  const files = new Map(readTarBrotli(await fs.readFile(archive)).map((f) => [f.path, f.data]));
  const start = [...files.keys()].find((p) => /(^|\/)index\.html$/.test(p));
  if (!start) throw usage(`demo corpus ${archive} has no index.html`);
  println(out, `${opts.archive ? 'demo corpus' : 'PostgreSQL 15 manual'}: ${files.size} files unpacked in ${Math.round(performance.now() - t0)} ms`);
  const site = await serveFiles(files);
  const seed = new URL(start, site.url).toString();
  println(out, `serving it at ${site.url} and crawling from ${seed}`);
  try {
    const crawl = parseOrThrow(
      CrawlConfig,
      { seeds: [seed], exclude: ['bookindex\\.html'], allowPrivate: true, maxPages: 5000, maxDepth: 50, format: 'html' },
      'demo crawl options',
    );
    const store = await ctx.store();
    const previous = await store.getCollection(DEMO_COLLECTION);
    await store.ensureCollection(DEMO_COLLECTION, { name: DEMO_COLLECTION, crawl, defaults: previous?.defaults ?? {} });
    await runIngest(ctx, DEMO_COLLECTION, seed, { crawl, verbose: false, progress: opts.progress ?? true });
  } finally {
    await site.close();
  }
  const { index } = await loadIndex({ dataDir: ctx.dataDir, collection: DEMO_COLLECTION, openStore: () => ctx.store() });
  for (const prompt of opts.prompts ?? DEMO_PROMPTS) {
    println(out, '');
    println(out, '='.repeat(100));
    println(out, formatAnswer(index.ask(prompt, { k: 5 })));
  }
  println(out, '');
  println(out, `demo done in ${((performance.now() - t0) / 1000).toFixed(1)} s; try:`);
  println(out, `  lexigraph ask --collection ${DEMO_COLLECTION} "how do I create a read-only user"`);
  return 0;
}
