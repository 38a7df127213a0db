import fs from 'node:fs';
import path from 'node:path';
import { parseEntity, type Entity } from '@lexigraph/contracts';
import { htmlToEntityImpl } from './html';
import { markdownToEntity } from './markdown';
import { parsePythonLiteral, type PyValue } from './python-literal';
import { urlToId } from './url';

/**
 * Readers turn collections into entities. The text readers (readJsonl, readBeirCorpus, readXllm) are
 * synchronous and take the file's text; readFolder is asynchronous and reads the disk.
 */

export interface LineError {
  /** 1-based line number in the input. */
  line: number;
  message: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/**
 * Reads JSON Lines: one entity per line, checked against the entity schema of `@lexigraph/contracts` (`id` and a
 * title or text; optional `url`, `category`, `tags`, `links`, `headings`, `terms`, `parent`, `meta`, `acl`; missing
 * lists default to []). Types are not coerced and unknown fields are refused. Blank lines are ignored; malformed JSON
 * and invalid records are reported by 1-based line number with each bad field (`title: expected string, received
 * number`), and the good lines kept.
 */
export function readJsonl(text: string): { entities: Entity[]; errors: LineError[] } {
  const out = { entities: [] as Entity[], errors: [] as LineError[] };
  splitLines(text).forEach((raw, i) => readJsonlLine(raw, i + 1, out));
  return out;
}

/**
 * readJsonl over lines that arrive one at a time (a file read as a stream, so no string holds the whole file):
 * the same entities and the same errors by line number.
 */
export async function readJsonlLines(lines: AsyncIterable<string>): Promise<{ entities: Entity[]; errors: LineError[] }> {
  const out = { entities: [] as Entity[], errors: [] as LineError[] };
  for await (const batch of readJsonlBatches(lines, 4096)) {
    for (const e of batch.entities) out.entities.push(e);
    for (const e of batch.errors) out.errors.push(e);
  }
  return out;
}

/**
 * readJsonl over lines that arrive one at a time, handed on in batches of `size` lines (each batch's entities and
 * the errors of its lines, numbered from the first line of the whole), so a reader can let each batch go before the
 * next: a file of a million entities is never held as objects at once.
 */
export async function* readJsonlBatches(lines: AsyncIterable<string>, size: number): AsyncGenerator<{ entities: Entity[]; errors: LineError[] }> {
  let out = { entities: [] as Entity[], errors: [] as LineError[] };
  let n = 0;
  for await (const raw of lines) {
    readJsonlLine(raw, ++n, out);
    if (n % size === 0) {
      yield out;
      out = { entities: [], errors: [] };
    }
  }
  if (out.entities.length || out.errors.length) yield out;
}

/** One line of JSON Lines into `out`: an entity, an error naming the line, or nothing for a blank line. */
function readJsonlLine(raw: string, lineNo: number, out: { entities: Entity[]; errors: LineError[] }): void {
  const line = raw.trim();
  if (!line) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    out.errors.push({ line: lineNo, message: `malformed JSON: ${(err as Error).message}` });
    return;
  }
  const entity = parseEntity(parsed);
  if (entity.ok) out.entities.push(entity.entity);
  else out.errors.push({ line: lineNo, message: entity.message });
}

/**
 * Reads a BEIR `corpus.jsonl` (`_id`, `title`, `text`, optional `metadata`). Strict: the first bad line
 * throws an Error naming its 1-based number (a benchmark corpus with holes would skew every score).
 */
export function readBeirCorpus(text: string): Entity[] {
  const out: Entity[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (err) {
      throw new Error(`BEIR corpus line ${i + 1}: malformed JSON: ${(err as Error).message}`);
    }
    if (!isObj(o) || (typeof o._id !== 'string' && typeof o._id !== 'number')) {
      throw new Error(`BEIR corpus line ${i + 1}: expected an object with "_id"`);
    }
    const e: Entity = {
      id: String(o._id),
      title: typeof o.title === 'string' ? o.title : '',
      text: typeof o.text === 'string' ? o.text : '',
      category: [],
      tags: [],
      links: [],
    };
    const meta = isObj(o.metadata) ? beirMeta(o.metadata) : undefined;
    if (meta && Object.keys(meta).length > 0) e.meta = meta;
    out.push(e);
  });
  return out;
}

/** BEIR `metadata` as string metadata: strings kept, other values as their JSON, null dropped. */
function beirMeta(v: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  }
  return out;
}

/** windows-1252 code points for bytes 0x80..0x9F (the five undefined bytes map to themselves, as in WHATWG). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Decodes windows-1252 (cp1252) bytes: Latin-1 plus the typographic characters at 0x80..0x9F. */
export function decodeCp1252(buf: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let start = 0; start < buf.length; start += CHUNK) {
    const end = Math.min(buf.length, start + CHUNK);
    const codes = new Array<number>(end - start);
    for (let i = start; i < end; i++) {
      const b = buf[i] as number;
      codes[i - start] = b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b - 0x80] as number) : b;
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

function pyString(v: PyValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Reads the xLLM enterprise format: one entity per line, `ID~~{python dict literal}`. id = the line ID,
 * title = title_text, text = description_text, category = [category_text], tags = tags_list_text trimmed
 * (empty ones dropped), meta.tower = tower_option_tower. A line whose dict repeats an earlier one exactly is
 * dropped and counted in `duplicates` (the first ID wins). Bad lines are reported by 1-based number.
 * Decode cp1252 files with decodeCp1252 first.
 */
export function readXllm(text: string): { entities: Entity[]; duplicates: number; errors: LineError[] } {
  const entities: Entity[] = [];
  const errors: LineError[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const sep = line.indexOf('~~');
    if (sep <= 0) {
      errors.push({ line: i + 1, message: 'expected "ID~~{...}"' });
      return;
    }
    const id = line.slice(0, sep).trim();
    const body = line.slice(sep + 2).trim();
    if (seen.has(body)) {
      duplicates++;
      return;
    }
    let v: PyValue;
    try {
      v = parsePythonLiteral(body);
    } catch (err) {
      errors.push({ line: i + 1, message: (err as Error).message });
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errors.push({ line: i + 1, message: 'expected a dict after "~~"' });
      return;
    }
    seen.add(body);
    const tagsRaw = v.tags_list_text;
    const tags = (Array.isArray(tagsRaw) ? tagsRaw.map(pyString) : typeof tagsRaw === 'string' ? tagsRaw.split(',') : [])
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    const category = pyString(v.category_text).trim();
    const tower = pyString(v.tower_option_tower).trim();
    const e: Entity = {
      id,
      title: pyString(v.title_text).trim(),
      text: pyString(v.description_text).trim(),
      category: category ? [category] : [],
      tags,
      links: [],
    };
    if (tower) e.meta = { tower };
    entities.push(e);
  });
  return { entities, duplicates, errors };
}

const HTML_EXT = /\.(html?|xhtml)$/i;
const MD_EXT = /\.(md|markdown)$/i;

async function listFiles(dir: string, rel: string, match: RegExp, out: string[]): Promise<void> {
  const entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (ent.name.startsWith('.') || ent.name === 'node_modules') continue;
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) await listFiles(dir, r, match, out);
    else if (ent.isFile() && match.test(ent.name)) out.push(r);
  }
}

function fileUrl(rel: string): string {
  return 'file:///' + rel.split('/').map(encodeURIComponent).join('/');
}

/**
 * Reads every HTML (.html, .htm, .xhtml) or Markdown (.md, .markdown) file under `dir`, recursively, in
 * sorted order (dot-files and node_modules skipped). Ids are '/' + the path relative to `dir` with '/'
 * separators, equal to the crawler's ids when the folder is served at the site root. Links to other files
 * of the folder are given as ids; external links as canonical URLs. Category: Markdown → the folder path;
 * HTML → breadcrumbs / "up" chapter, else the folder path. HTML entities carry no `url`.
 */
export async function readFolder(dir: string, format: 'html' | 'markdown'): Promise<Entity[]> {
  const files: string[] = [];
  await listFiles(dir, '', format === 'html' ? HTML_EXT : MD_EXT, files);
  const out: Entity[] = [];
  for (const rel of files) {
    const id = '/' + rel;
    const folders = rel.split('/').slice(0, -1);
    const content = await fs.promises.readFile(path.join(dir, ...rel.split('/')), 'utf8');
    if (format === 'markdown') {
      out.push(markdownToEntity(content, { id, category: folders }));
      continue;
    }
    const e = htmlToEntityImpl(content, fileUrl(rel), { idFor: () => id }, true);
    delete e.url;
    e.links = e.links.map((l) => (l.url.startsWith('file:') ? { ...l, url: urlToId(l.url) } : l));
    if (e.category.length === 0) e.category = folders;
    out.push(e);
  }
  return out;
}

export type SourceFormat = 'jsonl' | 'beir' | 'html' | 'markdown' | 'xllm' | 'url';

/**
 * Guesses the format of a source: http(s) URLs → 'url'; a folder holding corpus.jsonl → 'beir', else
 * 'markdown' or 'html' by which files it holds more of; files by extension (corpus.jsonl → 'beir',
 * .jsonl/.ndjson → 'jsonl', .html/.htm/.xhtml → 'html', .md/.markdown → 'markdown'), and .txt files whose
 * first line looks like `ID~~{` → 'xllm'. Throws when it cannot tell.
 */
export function detectFormat(pathOrUrl: string): SourceFormat {
  if (/^https?:\/\//i.test(pathOrUrl)) return 'url';
  const base = path.basename(pathOrUrl).toLowerCase();
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(pathOrUrl);
  } catch {
    stat = undefined; // not on disk: decide by name
  }
  if (stat?.isDirectory()) {
    if (fs.existsSync(path.join(pathOrUrl, 'corpus.jsonl'))) return 'beir';
    let md = 0;
    let html = 0;
    const stack = [pathOrUrl];
    let visited = 0;
    while (stack.length > 0 && visited < 2000) {
      const d = stack.pop() as string;
      for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
        visited++;
        if (ent.name.startsWith('.') || ent.name === 'node_modules') continue;
        if (ent.isDirectory()) stack.push(path.join(d, ent.name));
        else if (MD_EXT.test(ent.name)) md++;
        else if (HTML_EXT.test(ent.name)) html++;
      }
    }
    if (md === 0 && html === 0) throw new Error(`No HTML or Markdown files under ${pathOrUrl}: pass the format explicitly`);
    return md > html ? 'markdown' : 'html';
  }
  if (base === 'corpus.jsonl') return 'beir';
  if (/\.(jsonl|ndjson)$/.test(base)) return 'jsonl';
  if (HTML_EXT.test(base)) return 'html';
  if (MD_EXT.test(base)) return 'markdown';
  if (base.endsWith('.txt') && stat?.isFile()) {
    const fd = fs.openSync(pathOrUrl, 'r');
    try {
      const buf = Buffer.alloc(512);
      const n = fs.readSync(fd, buf, 0, 512, 0);
      if (/^[^\s~]+~~\s*\{/.test(buf.subarray(0, n).toString('latin1'))) return 'xllm';
    } finally {
      fs.closeSync(fd);
    }
  }
  throw new Error(`Cannot tell the format of ${pathOrUrl}: pass one of jsonl, beir, html, markdown, xllm`);
}
