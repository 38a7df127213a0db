import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseQrels, type Qrel } from '@lexigraph/core';
import { beirQrels } from './bench/datasets';
import { usage } from './errors';

/** Qrels splits of a BEIR folder, in the order `--qrels <folder>` looks for them. */
const BEIR_SPLITS = ['train', 'dev', 'test'] as const;

/**
 * The judged queries of `--qrels`: a JSONL file (`{"query", "relevant", "grades"?}` per line), or a BEIR folder
 * (`queries.jsonl` and `qrels/<split>.tsv`, the first of train, dev, test that exists). Throws a usage error naming
 * the file and what is wrong with it.
 */
export async function readQrelsArg(cwd: string, arg: string): Promise<{ qrels: Qrel[]; source: string }> {
  const file = path.resolve(cwd, arg);
  let isDir: boolean;
  try {
    isDir = (await fs.stat(file)).isDirectory();
  } catch (err) {
    throw usage(`cannot read --qrels ${arg}: ${(err as Error).message}`);
  }
  if (!isDir) {
    let qrels: Qrel[];
    try {
      qrels = parseQrels(await fs.readFile(file, 'utf8'));
    } catch (err) {
      throw usage(`${arg}: ${(err as Error).message}`);
    }
    if (qrels.length === 0) throw usage(`${arg} holds no queries`);
    return { qrels, source: arg };
  }
  let split: string | undefined;
  for (const s of BEIR_SPLITS) {
    if (await fs.stat(path.join(file, 'qrels', `${s}.tsv`)).then(() => true, () => false)) {
      split = s;
      break;
    }
  }
  if (!split) throw usage(`--qrels ${arg} is a folder but holds no BEIR qrels (qrels/${BEIR_SPLITS.join('|')}.tsv)`);
  let qrels: Qrel[];
  try {
    const [queries, tsv] = await Promise.all([
      fs.readFile(path.join(file, 'queries.jsonl'), 'utf8'),
      fs.readFile(path.join(file, 'qrels', `${split}.tsv`), 'utf8'),
    ]);
    qrels = beirQrels(queries, tsv);
  } catch (err) {
    throw usage(`--qrels ${arg} (BEIR folder, ${split} split): ${(err as Error).message}`);
  }
  if (qrels.length === 0) throw usage(`--qrels ${arg}: qrels/${split}.tsv judges no query`);
  return { qrels, source: `${arg} (BEIR ${split} split)` };
}
