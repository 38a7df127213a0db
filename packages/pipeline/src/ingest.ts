import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { AppError, type Entity, type SourceFormat } from '@lexigraph/contracts';

/** JSON Lines files above this size are read as a stream (IngestSourceOptions.streamAboveBytes). */
export const STREAM_ABOVE_BYTES = 64 * 1024 * 1024;

export interface IngestSourceOptions {
  /** An http(s) URL to crawl, or a file or folder to read. */
  source: string;
  /** Input format; detected from the file name / folder content / URL when omitted (URLs default to html). */
  format?: SourceFormat;
  /** Crawl scope (URLs only): regexes on the absolute URL; a URL must match one include (if any) and no exclude. */
  include?: string[];
  exclude?: string[];
  /** Let the seed's host be a private or loopback address (default false: refused). */
  allowPrivate?: boolean;
  /** Private hosts, addresses or CIDR ranges the crawl may also reach (default none). */
  allowHosts?: string[];
  /** Crawl limits (URLs only). Defaults: 5000 pages, depth 8. */
  maxPages?: number;
  maxDepth?: number;
  /**
   * A JSON Lines file larger than this (default 64 MiB) is read line by line from a stream, as UTF-8, so no string
   * holds the whole file (JavaScript strings stop near 512 M characters); smaller ones are read whole, and fall back
   * to Windows-1252 when they are not UTF-8.
   */
  streamAboveBytes?: number;
}

export interface IngestHooks {
  /** Pages or records handled so far; total is unknown (0) while a crawl is discovering pages. */
  onProgress?: (done: number, total: number) => void;
}

export interface IngestReport {
  kind: 'url' | 'file' | 'folder';
  format: SourceFormat;
  entities: Entity[];
  /** Bad input lines of a line-based file, 1-based. */
  badLines: { line: number; message: string }[];
  /** URLs (or files) left out, with the reason. */
  skipped: { url: string; reason: string }[];
  /** Pages fetched or files read. */
  pages: number;
  /** Records the reader itself recognised as repeated (xllm). */
  duplicates: number;
}

const FORMATS: readonly SourceFormat[] = ['html', 'markdown', 'jsonl', 'beir', 'xllm'];

type Crawler = typeof import('@lexigraph/crawler');

function detect(crawler: Crawler, source: string): SourceFormat {
  try {
    const f = crawler.detectFormat(source);
    return f === 'url' ? 'html' : f;
  } catch (err) {
    throw new AppError('BAD_INPUT', `cannot tell the format of ${source} (${(err as Error).message}); pass --format (${FORMATS.join('|')})`, {
      source,
    });
  }
}

/** UTF-8 when the bytes are valid UTF-8, else windows-1252 (the xLLM corpus files are cp1252). */
function decodeText(crawler: Crawler, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return crawler.decodeCp1252(bytes);
  }
}

/** Runs a strict reader; its first bad line becomes AppError BAD_INPUT naming the source and the line. */
function strict<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new AppError('BAD_INPUT', `${source}: ${(err as Error).message}`, { source });
  }
}

/**
 * Reads a source into entities: crawls an http(s) URL (pages through the crawler's HTML reader), or reads a file
 * (jsonl, xllm, html, markdown) or a folder (html, markdown, or a BEIR folder with corpus.jsonl). Bad lines and
 * skipped URLs are reported, never thrown; an unreadable source throws AppError BAD_INPUT naming it.
 */
export async function ingestSource(options: IngestSourceOptions, hooks: IngestHooks = {}): Promise<IngestReport> {
  const { source } = options;
  // Loaded on use: readers of a published index (cold `ask`) never pay for the crawler's HTTP stack.
  const crawler = await import('@lexigraph/crawler');
  if (/^https?:\/\//i.test(source)) return crawlUrl(crawler, options, hooks);
  let stat;
  try {
    stat = await fs.stat(source);
  } catch (err) {
    throw new AppError('BAD_INPUT', `cannot read source ${source}: ${(err as Error).message}`, { source });
  }
  if (stat.isDirectory()) {
    const format = options.format ?? detect(crawler, source);
    if (format === 'beir') {
      const file = path.join(source, 'corpus.jsonl');
      const corpus = await fs.readFile(file, 'utf8');
      const entities = strict(file, () => crawler.readBeirCorpus(corpus));
      hooks.onProgress?.(entities.length, entities.length);
      return { kind: 'folder', format, entities, badLines: [], skipped: [], pages: 1, duplicates: 0 };
    }
    if (format !== 'html' && format !== 'markdown') {
      throw new AppError('BAD_INPUT', `format ${format} is read from a file, not a folder (${source})`, { source });
    }
    const entities = await crawler.readFolder(source, format);
    hooks.onProgress?.(entities.length, entities.length);
    return { kind: 'folder', format, entities, badLines: [], skipped: [], pages: entities.length, duplicates: 0 };
  }
  const format = options.format ?? detect(crawler, source);
  const stream = await streamSource({ ...options, format }, hooks);
  if (stream) {
    const entities: Entity[] = [];
    for await (const batch of stream.batches) for (const e of batch) entities.push(e);
    return { ...stream.report, entities };
  }
  const text = decodeText(crawler, await fs.readFile(source));
  let entities: Entity[];
  let badLines: { line: number; message: string }[] = [];
  let duplicates = 0;
  switch (format) {
    case 'jsonl': {
      const read = crawler.readJsonl(text);
      entities = read.entities;
      badLines = read.errors;
      break;
    }
    case 'beir': {
      entities = strict(source, () => crawler.readBeirCorpus(text));
      break;
    }
    case 'xllm': {
      const read = crawler.readXllm(text);
      entities = read.entities;
      badLines = read.errors;
      duplicates = read.duplicates;
      break;
    }
    case 'html': {
      entities = toList(crawler.htmlToEntity(text, `file://${path.resolve(source)}`));
      break;
    }
    default:
      throw new AppError('BAD_INPUT', `read a ${format} source as a folder, not a single file (${source})`, { source });
  }
  hooks.onProgress?.(entities.length, entities.length);
  return { kind: 'file', format, entities, badLines, skipped: [], pages: 1, duplicates };
}

/** A source read in batches of entities, with its report filled in as the batches are read. */
export interface IngestStream {
  /** What was read so far: `entities` counts them; complete once `batches` is done. */
  report: Omit<IngestReport, 'entities'> & { entities: number };
  batches: AsyncIterable<Entity[]>;
}

/** Lines of a JSON Lines file handed on per batch when it is read as a stream. */
const STREAM_BATCH_LINES = 2_000;

/**
 * The source as a stream of entity batches when it is read as one (a JSON Lines file larger than
 * `streamAboveBytes`, read line by line as UTF-8), so the caller holds one batch at a time; else null (read it with
 * ingestSource).
 */
export async function streamSource(options: IngestSourceOptions, hooks: IngestHooks = {}): Promise<IngestStream | null> {
  const { source } = options;
  if (/^https?:\/\//i.test(source)) return null;
  const stat = await fs.stat(source).catch(() => null);
  if (!stat?.isFile()) return null;
  const crawler = await import('@lexigraph/crawler');
  const format = options.format ?? detect(crawler, source);
  if (format !== 'jsonl' || stat.size <= (options.streamAboveBytes ?? STREAM_ABOVE_BYTES)) return null;
  const report: IngestStream['report'] = { kind: 'file', format, entities: 0, badLines: [], skipped: [], pages: 1, duplicates: 0 };
  const batches = (async function* () {
    const lines = readline.createInterface({ input: createReadStream(source, { encoding: 'utf8' }), crlfDelay: Infinity });
    let first = true;
    const withoutBom = (async function* () {
      for await (const line of lines) {
        yield first && line.startsWith('\uFEFF') ? line.slice(1) : line;
        first = false;
      }
    })();
    for await (const batch of crawler.readJsonlBatches(withoutBom, STREAM_BATCH_LINES)) {
      report.entities += batch.entities.length;
      for (const e of batch.errors) report.badLines.push(e);
      hooks.onProgress?.(report.entities, 0);
      yield batch.entities;
    }
    hooks.onProgress?.(report.entities, report.entities);
  })();
  return { report, batches };
}

async function crawlUrl(
  crawler: Crawler,
  options: IngestSourceOptions,
  hooks: IngestHooks,
): Promise<IngestReport> {
  const entities: Entity[] = [];
  const skipped: { url: string; reason: string }[] = [];
  let pages = 0;
  await crawler.crawl(
    {
      seeds: [options.source],
      include: options.include ?? [],
      exclude: options.exclude ?? [],
      allowPrivate: options.allowPrivate ?? false,
      allowHosts: options.allowHosts ?? [],
      maxPages: options.maxPages ?? 5000,
      maxDepth: options.maxDepth ?? 8,
    },
    {
      onPage: (page) => {
        pages++;
        if (page.contentType === 'text/html' || page.contentType === 'application/xhtml+xml') {
          entities.push(...toList(crawler.htmlToEntity(page.body, page.url)));
        } else {
          skipped.push({ url: page.url, reason: `content-type:${page.contentType}` });
        }
      },
      onSkip: (s) => {
        skipped.push({ url: s.url, reason: s.reason });
      },
      onProgress: (p) => hooks.onProgress?.(p.fetched, p.fetched + p.queued),
    },
  );
  return { kind: 'url', format: options.format ?? 'html', entities, badLines: [], skipped, pages, duplicates: 0 };
}

function toList<T>(value: T | T[] | null | undefined): T[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
