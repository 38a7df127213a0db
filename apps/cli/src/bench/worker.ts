/**
 * Child-process entry of the bench: measures one engine alone, so its peak memory is its own. The parent forks
 * this file with `--expose-gc`, then sends `{ engine, dataFile, builds }`; `dataFile` is a JSON file
 * `{ entities, queries }`. The child answers with one message `{ ok: true, result }` or `{ ok: false, error }`
 * and exits.
 */
import { readFileSync } from 'node:fs';
import type { Entity } from '@lexigraph/core';
import { measureEngine } from './measure';
import { isEngineName } from './peers';

interface WorkerRequest {
  engine: string;
  dataFile: string;
  builds: number;
}

function reply(msg: unknown): void {
  if (!process.send) throw new Error('bench worker: must be forked with an IPC channel');
  process.send(msg, () => process.disconnect());
}

process.once('message', (raw: unknown) => {
  const req = raw as WorkerRequest;
  (async () => {
    if (!isEngineName(req.engine)) throw new Error(`unknown engine "${req.engine}"`);
    const data = JSON.parse(readFileSync(req.dataFile, 'utf8')) as { entities: Entity[]; queries: string[] };
    return measureEngine({ engine: req.engine, entities: data.entities, queries: data.queries, builds: req.builds, mode: 'child' });
  })().then(
    (result) => reply({ ok: true, result }),
    (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
