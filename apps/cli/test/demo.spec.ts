import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { demoArchivePath } from '../src/commands/demo';
import { cli, FIXTURES, tempDir } from './helpers';

describe('lexigraph demo', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('lexigraph-demo-');
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('finds the vendored PostgreSQL manual', async () => {
    const stat = await fs.stat(demoArchivePath());
    expect(stat.size).toBeGreaterThan(1_000_000);
  });

  it('serves a site over loopback HTTP, crawls it (book index excluded), indexes it and answers', async () => {
    const r = await cli(
      [
        '--data',
        path.join(work, 'data'),
        'demo',
        '--no-progress',
        '--archive',
        path.join(FIXTURES, 'mini-site.tar.br'),
        '--prompt',
        'vacuum freeze wraparound',
        '--prompt',
        'checkpoint timeout',
      ],
      work,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/serving it at http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.stdout).toMatch(/3 pages fetched/);
    expect(r.stdout).toMatch(/bookindex\.html: excluded/);
    const blocks = r.stdout.split('='.repeat(100));
    expect(blocks).toHaveLength(3);
    expect(blocks[1]).toMatch(/Results:\n\s+1\. \[\d\.\d{3}\] Autovacuum\s+<http:\/\/127\.0\.0\.1:\d+\/html\/autovacuum\.html>/);
    expect(blocks[2]).toMatch(/Results:\n\s+1\. \[\d\.\d{3}\] Checkpoints/);
    expect(r.stdout).not.toMatch(/Book index/);
  }, 60_000);
});
