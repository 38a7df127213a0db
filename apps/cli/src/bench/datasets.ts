import { execFile } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseQrels, type Entity, type Qrel } from '@lexigraph/core';
import { decodeCp1252, readBeirCorpus, readFolder, readXllm } from '@lexigraph/crawler';

const run = promisify(execFile);

/** A benchmark collection: the entities to index and the judged queries. */
export interface BenchDataset {
  name: string;
  entities: Entity[];
  qrels: Qrel[];
  /** What was read and how, for the report. */
  note: string;
  /** List the rank of the first judged entity per query in the quality table (the xLLM prompts). */
  answerRanks?: boolean;
}

/** A dataset that could not be loaded, with a message saying what is missing. */
export interface SkippedDataset {
  name: string;
  reason: string;
}

/** Datasets known by name; any other name is read as a folder holding `corpus.jsonl` and `qrels.jsonl`. */
export const DATASET_NAMES = ['pg', 'pg-questions', 'scifact', 'xllm'] as const;

/** The monorepo root: the nearest ancestor of `from` whose package.json declares workspaces. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
      if (json.workspaces !== undefined) return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no monorepo root (package.json with "workspaces") above ${from}`);
    dir = up;
  }
}

/** The shared data folder: LEXIGRAPH_SHARED_DATA when set, else `<repo root>/../shared/data`. */
export function defaultSharedDataDir(): string {
  const env = process.env.LEXIGRAPH_SHARED_DATA;
  if (env !== undefined && env !== '') return path.resolve(env);
  return path.resolve(findRepoRoot(), '..', 'shared', 'data');
}

function missing(name: string, files: string[]): SkippedDataset | null {
  const absent = files.filter((f) => !existsSync(f));
  if (absent.length === 0) return null;
  return {
    name,
    reason: `missing ${absent.join(', ')} (set LEXIGRAPH_SHARED_DATA or pass sharedDataDir to the shared data folder)`,
  };
}

/**
 * PostgreSQL 15 docs: the tarball is unpacked with the system `tar -xJf` into a temporary folder, the `html/`
 * pages are read as entities (ids `/<file>.html`), the back-of-book index page is left out (the qrels come from
 * it), and the folder is removed again.
 */
async function loadPg(dir: string): Promise<BenchDataset | SkippedDataset> {
  const tarball = path.join(dir, 'pg15-docs.tar.xz');
  const qrelsFile = path.join(dir, 'pg15.qrels.jsonl');
  const skip = missing('pg', [tarball, qrelsFile]);
  if (skip) return skip;
  const tmp = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-bench-pg-'));
  try {
    await run('tar', ['-xJf', tarball, '-C', tmp]);
    const all = await readFolder(path.join(tmp, 'html'), 'html');
    const entities = all.filter((e) => e.id !== '/bookindex.html' && !e.id.startsWith('/bookindex.html#'));
    const qrels = parseQrels(await fs.readFile(qrelsFile, 'utf8'));
    return {
      name: 'pg',
      entities,
      qrels,
      note: `PostgreSQL 15 HTML docs, ${entities.length} entities (bookindex.html excluded); qrels from the book index`,
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The PostgreSQL 15 docs asked natural questions: the corpus of `pg`, and the questions vendored with the manual
 * (`vendor/pg15-docs/pg15-questions.jsonl`, answering pages judged before any engine was asked).
 */
async function loadPgQuestions(dir: string): Promise<BenchDataset | SkippedDataset> {
  const questions = path.join(findRepoRoot(), 'vendor', 'pg15-docs', 'pg15-questions.jsonl');
  const skip = missing('pg-questions', [questions]);
  if (skip) return skip;
  const pg = await loadPg(dir);
  if (isSkipped(pg)) return { name: 'pg-questions', reason: pg.reason };
  const qrels = parseQrels(await fs.readFile(questions, 'utf8'));
  return { ...pg, name: 'pg-questions', qrels, note: `${pg.entities.length} PostgreSQL 15 pages; ${qrels.length} natural questions with judged answering pages` };
}

/** BEIR SciFact: the corpus, and the train split's 809 judged queries (query text from queries.jsonl). */
async function loadScifact(dir: string): Promise<BenchDataset | SkippedDataset> {
  const base = path.join(dir, 'scifact');
  const corpus = path.join(base, 'corpus.jsonl');
  const queries = path.join(base, 'queries.jsonl');
  const train = path.join(base, 'qrels', 'train.tsv');
  const skip = missing('scifact', [corpus, queries, train]);
  if (skip) return skip;
  const entities = readBeirCorpus(await fs.readFile(corpus, 'utf8'));
  const qrels = beirQrels(await fs.readFile(queries, 'utf8'), await fs.readFile(train, 'utf8'));
  return { name: 'scifact', entities, qrels, note: `BEIR SciFact corpus (${entities.length} docs), train qrels` };
}

/**
 * Joins BEIR queries (`{"_id","text"}` per line) with a qrels TSV (`query-id  corpus-id  score`, header line).
 * Queries keep the TSV's first-seen order; scores become grades; pairs with score <= 0 are left out.
 * Throws naming the file and line on a malformed line or a query id with no text.
 */
export function beirQrels(queriesJsonl: string, qrelsTsv: string): Qrel[] {
  const text = new Map<string, string>();
  queriesJsonl.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let q: { _id?: unknown; text?: unknown };
    try {
      q = JSON.parse(line) as { _id?: unknown; text?: unknown };
    } catch (err) {
      throw new Error(`queries.jsonl line ${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof q._id !== 'string' || typeof q.text !== 'string') {
      throw new Error(`queries.jsonl line ${i + 1}: expected string "_id" and "text"`);
    }
    text.set(q._id, q.text);
  });
  const byQuery = new Map<string, Qrel>();
  qrelsTsv.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || (i === 0 && /^query-id\t/i.test(line))) return;
    const [qid, docId, score] = line.split('\t');
    const grade = Number(score);
    if (qid === undefined || docId === undefined || !Number.isFinite(grade)) {
      throw new Error(`qrels tsv line ${i + 1}: expected "query-id<TAB>corpus-id<TAB>score"`);
    }
    if (grade <= 0) return;
    const query = text.get(qid);
    if (query === undefined) throw new Error(`qrels tsv line ${i + 1}: query id ${qid} has no text in queries.jsonl`);
    let q = byQuery.get(qid);
    if (!q) {
      q = { query, relevant: [], grades: {} };
      byQuery.set(qid, q);
    }
    if (!q.relevant.includes(docId)) q.relevant.push(docId);
    (q.grades as Record<string, number>)[docId] = grade;
  });
  return [...byQuery.values()];
}

/** xLLM enterprise corpus: repository3.txt (Windows-1252) and the graded sample prompts. */
async function loadXllm(dir: string): Promise<BenchDataset | SkippedDataset> {
  const base = path.join(dir, 'xllm-enterprise');
  const repo = path.join(base, 'repository3.txt');
  const qrelsFile = path.join(base, 'prompts.qrels.jsonl');
  const skip = missing('xllm', [repo, qrelsFile]);
  if (skip) return skip;
  const parsed = readXllm(decodeCp1252(await fs.readFile(repo)));
  const qrels = parseQrels(await fs.readFile(qrelsFile, 'utf8'));
  return {
    name: 'xllm',
    entities: parsed.entities,
    qrels,
    answerRanks: true,
    note: `xLLM enterprise repository3.txt, ${parsed.entities.length} entities (${parsed.duplicates} duplicates, ${parsed.errors.length} unreadable lines)`,
  };
}

/** Fills the fields a hand-written corpus line may omit. */
function normalizeEntity(raw: unknown, where: string): Entity {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an entity object`);
  const e = raw as Partial<Entity>;
  if (typeof e.id !== 'string' || typeof e.title !== 'string') throw new Error(`${where}: "id" and "title" must be strings`);
  return { ...e, id: e.id, title: e.title, text: e.text ?? '', category: e.category ?? [], tags: e.tags ?? [], links: e.links ?? [] };
}

/** A folder with `corpus.jsonl` (one entity per line) and `qrels.jsonl`. */
async function loadFolder(dir: string): Promise<BenchDataset | SkippedDataset> {
  const name = path.basename(dir);
  const corpus = path.join(dir, 'corpus.jsonl');
  const qrelsFile = path.join(dir, 'qrels.jsonl');
  const skip = missing(name, [corpus, qrelsFile]);
  if (skip) return skip;
  const entities = (await fs.readFile(corpus, 'utf8'))
    .split(/\r?\n/)
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, i }) => normalizeEntity(JSON.parse(line), `corpus.jsonl line ${i + 1}`));
  const qrels = parseQrels(await fs.readFile(qrelsFile, 'utf8'));
  return { name, entities, qrels, note: `${entities.length} entities from ${name}/corpus.jsonl` };
}

/**
 * Loads a dataset by name (`pg`, `scifact`, `xllm`) from the shared data folder, or a folder path holding
 * `corpus.jsonl` + `qrels.jsonl`. Missing files give a SkippedDataset with a clear reason instead of throwing.
 */
export async function loadDataset(name: string, sharedDataDir: string): Promise<BenchDataset | SkippedDataset> {
  switch (name) {
    case 'pg':
      return loadPg(sharedDataDir);
    case 'pg-questions':
      return loadPgQuestions(sharedDataDir);
    case 'scifact':
      return loadScifact(sharedDataDir);
    case 'xllm':
      return loadXllm(sharedDataDir);
    default:
      if (existsSync(name) && statSync(name).isDirectory()) return loadFolder(path.resolve(name));
      return { name, reason: `unknown dataset "${name}": use ${DATASET_NAMES.join(', ')} or a folder with corpus.jsonl and qrels.jsonl` };
  }
}

export function isSkipped(d: BenchDataset | SkippedDataset): d is SkippedDataset {
  return 'reason' in d;
}
