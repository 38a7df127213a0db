import { execFile } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Entity, LabelPath } from '@lexigraph/core';
import { modApteSplit, readReuters } from '@lexigraph/crawler';

const run = promisify(execFile);

/** Name of the Reuters-21578 archive in the shared data folder. */
export const REUTERS_ARCHIVE = 'reuters21578.tar.xz';

/**
 * Reads every `reut2-NNN.xml` of the Reuters-21578 collection from a folder (searched one level down too, as the
 * archive unpacks into `reuters21578/`) or from a `.tar.xz` / `.tar.gz` / `.tar` archive, unpacked with the system
 * `tar` into a temporary folder that is removed again. Returns the ModApte train and test split.
 */
export async function loadReuters(source: string): Promise<{ train: Entity[]; test: Entity[]; all: number; files: number }> {
  if (!existsSync(source)) throw new Error(`no Reuters-21578 data at ${source}`);
  if (statSync(source).isDirectory()) return readReutersDir(source);
  const tmp = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-reuters-'));
  try {
    await run('tar', ['-xf', source, '-C', tmp]);
    return await readReutersDir(tmp);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function readReutersDir(dir: string): Promise<{ train: Entity[]; test: Entity[]; all: number; files: number }> {
  const files: string[] = [];
  const pick = async (d: string) => {
    for (const f of (await fs.readdir(d)).sort()) if (/^reut2-\d+\.(xml|sgm)$/i.test(f)) files.push(path.join(d, f));
  };
  await pick(dir);
  if (!files.length) {
    for (const sub of (await fs.readdir(dir)).sort()) {
      const p = path.join(dir, sub);
      if (statSync(p).isDirectory()) await pick(p);
    }
  }
  if (!files.length) throw new Error(`no reut2-NNN.xml files in ${dir}`);
  const all: Entity[] = [];
  for (const f of files) all.push(...readReuters(await fs.readFile(f, 'latin1')));
  return { ...modApteSplit(all), all: all.length, files: files.length };
}

/**
 * Full category paths of a collection whose entities name only their parent (the crawler's "up" category of a
 * docs page is the title of the page above it): each entity's path is its category followed upward through the
 * pages holding those titles, until a page with no category. Entities whose category is already a path of two or
 * more elements keep it. A title shared by several pages resolves to the first one in id order; cycles stop.
 */
export function resolveCategoryPaths(entities: readonly Entity[]): Map<string, string[]> {
  const byTitle = new Map<string, Entity>();
  for (const e of [...entities].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (e.title && !byTitle.has(e.title)) byTitle.set(e.title, e);
  }
  const out = new Map<string, string[]>();
  for (const e of entities) {
    if (e.category.length !== 1) {
      out.set(e.id, [...e.category]);
      continue;
    }
    const path: string[] = [];
    const seen = new Set<string>([e.id]);
    let cur: Entity | undefined = e;
    while (cur && cur.category.length === 1) {
      const up = cur.category[0] as string;
      path.unshift(up);
      const next = byTitle.get(up);
      if (!next || seen.has(next.id)) break;
      seen.add(next.id);
      cur = next;
      if (cur.category.length > 1) {
        path.unshift(...cur.category);
        break;
      }
    }
    out.set(e.id, path);
  }
  return out;
}

/**
 * The label of each entity for taxonomy recovery on a collection with a category tree: its category path with the
 * common root (the book: a first element every path shares) dropped, cut to `depth` levels (2 for the PostgreSQL
 * docs: part, then chapter). Entities with an empty label (the root's direct children) are left out of the map.
 */
export function treeLabels(entities: readonly Entity[], depth: number): Map<string, LabelPath> {
  const paths = resolveCategoryPaths(entities);
  const nonEmpty = [...paths.values()].filter((p) => p.length > 0);
  const first = nonEmpty[0]?.[0];
  const sharedRoot = first !== undefined && nonEmpty.filter((p) => p[0] === first).length >= 0.9 * nonEmpty.length;
  const out = new Map<string, LabelPath>();
  for (const [id, p] of paths) {
    const below = sharedRoot && p[0] === first ? p.slice(1) : p;
    const label = below.slice(0, Math.max(1, depth));
    if (label.length) out.set(id, label);
  }
  return out;
}
