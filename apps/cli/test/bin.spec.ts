import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cli, FIXTURES, tempDir } from './helpers';

const BIN = path.join(__dirname, '..', 'bin', 'lexigraph.js');
const built = ['apps/cli', 'packages/core', 'packages/pipeline', 'packages/contracts'].every((p) =>
  existsSync(path.join(__dirname, '..', '..', '..', p, 'dist', 'index.js')),
) && existsSync(path.join(__dirname, '..', 'dist', 'main.js'));

// Runs the compiled command in a new process; skipped when `npm run build` has not been run.
(built ? describe : describe.skip)('lexigraph bin (built)', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('lexigraph-bin-');
    const r = await cli(['--data', path.join(work, 'data'), 'ingest', path.join(FIXTURES, 'docs.jsonl'), '-c', 'kb', '--no-progress'], work);
    expect(r.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const spawn = (args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 });

  it('answers a cold ask from the snapshot alone, without the database', async () => {
    // Move the database away: the answer must come from the published snapshot file.
    await fs.rename(path.join(work, 'data', 'db'), path.join(work, 'db-away'));
    try {
      const r = spawn(['--data', path.join(work, 'data'), 'ask', '-c', 'kb', '--json', 'wal checkpoints']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const answer = JSON.parse(r.stdout);
      expect(answer.results[0].id).toBe('wal');
      expect(answer.timings.totalMs).toBeGreaterThanOrEqual(0);
    } finally {
      await fs.rename(path.join(work, 'db-away'), path.join(work, 'data', 'db'));
    }
  });

  it('prints help with exit 0 and a usage error with exit 2', () => {
    const help = spawn(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: lexigraph/);
    for (const cmd of ['demo', 'ingest', 'ask', 'eval', 'stats', 'bench']) expect(help.stdout).toContain(cmd);
    const bad = spawn(['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
