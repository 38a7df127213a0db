import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { XLLM_REFERENCE } from '../src/commands/stats';
import { cli, FIXTURES, tempDir } from './helpers';

describe('xllm-format collections', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('lexigraph-xllm-');
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('ingests the format (detected from the file), then shows the reference figures beside ours', async () => {
    const data = ['--data', path.join(work, 'data')];
    const ingest = await cli([...data, 'ingest', path.join(FIXTURES, 'mini-repository.txt'), '-c', 'corp', '--no-progress'], work);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(/\(xllm\) -> 3 entities/);
    expect(ingest.stdout).toMatch(/line 4: /);
    expect(ingest.stdout).toMatch(/1 repeated record\(s\) merged by the reader/);

    const json = await cli([...data, 'stats', '-c', 'corp', '--json'], work);
    expect(json.code).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats.entities).toBe(3);
    expect(stats.reference).toEqual({ multiTokens: XLLM_REFERENCE.multiTokens, pairs: XLLM_REFERENCE.pairs });

    const text = await cli([...data, 'stats', '-c', 'corp'], work);
    expect(text.stdout).toMatch(/xLLM reference/);
    expect(text.stdout).toMatch(/multi-tokens\s+\d+\s+12,575/);
    expect(text.stdout).toMatch(/pairs\s+\d+\s+223,154/);
  }, 60_000);
});
