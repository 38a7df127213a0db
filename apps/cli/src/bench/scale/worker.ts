/**
 * Child-process entry of the scale bench, one engine per process so its memory is its own:
 *   node --expose-gc worker.js ours <request.json> <result.json>   loads the published index as `ask` does, reads
 *     its RSS, then times `ask` and a top-10 `search` over the prompts;
 *   node --expose-gc worker.js fts5 <request.json> <result.json>   builds an FTS5 database file from the corpus
 *     (streamed line by line), then times a top-10 bm25() search over the prompts.
 * The result is written as JSON to <result.json>; a failure exits non-zero with the error on stderr.
 */
import { createReadStream, promises as fs, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { peerBody } from '../engine';
import { summarize, timePass, type LatencySummary } from '../latency';
import { scaleEntityId } from './ids';

const MB = 1024 * 1024;
/** Rows per FTS5 transaction while building. */
const FTS5_BATCH = 10_000;
const TIMED_K = 10;

export interface OursRequest {
  dataDir: string;
  collection: string;
  promptsFile: string;
}

export interface OursResult {
  version: number;
  loadMs: number;
  /** Current RSS after loading the index (after two collections), MB. */
  rssAfterLoadMB: number;
  /** JS heap in use after loading (after two collections), MB. */
  heapAfterLoadMB: number;
  /** Current RSS after the query passes (caches filled), MB. */
  rssAfterQueriesMB: number;
  /** `ask` with default parameters (the full answer), after one warm-up pass. */
  ask: LatencySummary;
  /** Top-10 `search`, like for like with FTS5. */
  search: LatencySummary;
  /** Prompts whose answer had no result. */
  noAnswer: number;
}

export interface Fts5Request {
  corpusFile: string;
  dbFile: string;
  promptsFile: string;
}

export interface Fts5Result {
  rows: number;
  /** Reading the JSON Lines file and inserting every row, committed, ms. */
  buildMs: number;
  /** The database file on disk after the build, bytes. */
  fileBytes: number;
  /** Current RSS after the build, MB. */
  rssAfterBuildMB: number;
  /** Top-10 bm25() search, after one warm-up pass. */
  search: LatencySummary;
  /** Prompts with no match. */
  noAnswer: number;
}

/**
 * Two full collections: the array buffers one collection frees are released by a sweep that finishes after it
 * returns, so after a single one the RSS still counted the snapshot file's buffer (213 MB at 100,000 entities).
 */
function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

async function readPrompts(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
}

async function measureOurs(req: OursRequest): Promise<OursResult> {
  const prompts = await readPrompts(req.promptsFile);
  // Loaded here, not at the top: each mode's process holds only its own engine.
  const { loadIndex } = await import('@lexigraph/pipeline');
  const t0 = performance.now();
  const { index, version } = await loadIndex({
    dataDir: req.dataDir,
    collection: req.collection,
    openStore: () => Promise.reject(new Error(`no snapshot of "${req.collection}" in ${req.dataDir}`)),
  });
  const loadMs = performance.now() - t0;
  gc();
  const mem = process.memoryUsage();
  let noAnswer = 0;
  for (const p of prompts) if (index.ask(p).results.length === 0) noAnswer++;
  const ask = summarize(timePass(prompts, (p) => void index.ask(p)));
  const search = summarize(timePass(prompts, (p) => void index.search(p, { k: TIMED_K })));
  gc();
  return {
    version,
    loadMs,
    rssAfterLoadMB: mem.rss / MB,
    heapAfterLoadMB: mem.heapUsed / MB,
    rssAfterQueriesMB: process.memoryUsage().rss / MB,
    ask,
    search,
    noAnswer,
  };
}

async function measureFts5(req: Fts5Request): Promise<Fts5Result> {
  const prompts = await readPrompts(req.promptsFile);
  const [{ default: Database }, { FTS5_CREATE, FTS5_INSERT, FTS5_SEARCH, fts5Query }] = await Promise.all([
    import('better-sqlite3'),
    import('../peers/fts5'),
  ]);
  await fs.rm(req.dbFile, { force: true });
  const t0 = performance.now();
  const db = new Database(req.dbFile);
  try {
    db.exec(FTS5_CREATE);
    const insert = db.prepare<[number, string, string]>(FTS5_INSERT);
    const insertBatch = db.transaction((rows: { n: number; title: string; text: string }[]) => {
      for (const r of rows) insert.run(r.n, r.title, peerBody({ id: '', title: r.title, text: r.text, category: [], tags: [], links: [] }));
    });
    let batch: { n: number; title: string; text: string }[] = [];
    let rows = 0;
    const lines = createInterface({ input: createReadStream(req.corpusFile, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const o = JSON.parse(line) as { title?: string; text?: string };
      // rowid n is the n-th line, the id scaleEntityId(n) the generator gave it.
      batch.push({ n: ++rows, title: o.title ?? '', text: o.text ?? '' });
      if (batch.length >= FTS5_BATCH) {
        insertBatch(batch);
        batch = [];
      }
    }
    insertBatch(batch);
    const buildMs = performance.now() - t0;
    gc();
    const rssAfterBuildMB = process.memoryUsage().rss / MB;
    const stmt = db.prepare<[string, number], { rowid: number }>(FTS5_SEARCH);
    const search = (p: string): string[] => {
      const match = fts5Query(p);
      return match === '' ? [] : stmt.all(match, TIMED_K).map((r) => scaleEntityId(r.rowid));
    };
    let noAnswer = 0;
    for (const p of prompts) if (search(p).length === 0) noAnswer++;
    const latency = summarize(timePass(prompts, (p) => void search(p)));
    db.close();
    return { rows, buildMs, fileBytes: statSync(req.dbFile).size, rssAfterBuildMB, search: latency, noAnswer };
  } finally {
    if (db.open) db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [mode, requestFile, resultFile] = argv;
  if (!requestFile || !resultFile || (mode !== 'ours' && mode !== 'fts5')) {
    throw new Error('usage: worker.js ours|fts5 <request.json> <result.json>');
  }
  const request: unknown = JSON.parse(await fs.readFile(requestFile, 'utf8'));
  const result = mode === 'ours' ? await measureOurs(request as OursRequest) : await measureFts5(request as Fts5Request);
  await fs.writeFile(resultFile, JSON.stringify(result));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
