import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readTarBrotli } from '../src/demo/tar';
import { serveFiles, type StaticSite } from '../src/demo/static-server';
import { cli, FIXTURES, tempDir } from './helpers';

describe('lexigraph ingest <url>', () => {
  let work: string;
  let site: StaticSite;
  const data = () => ['--data', path.join(work, 'data')];

  beforeAll(async () => {
    work = await tempDir('lexigraph-url-');
    const files = readTarBrotli(await fs.readFile(path.join(FIXTURES, 'mini-site.tar.br')));
    site = await serveFiles(new Map(files.map((f) => [f.path, f.data])));
  });
  afterAll(async () => {
    await site.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('refuses an include / exclude regex that does not compile, naming the option', async () => {
    const r = await cli([...data(), 'ingest', `${site.url}html/index.html`, '-c', 'mini', '--exclude', '(oops'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exclude\.0: not a valid regular expression/);
  });

  it('refuses loopback addresses unless --allow-private is given', async () => {
    const r = await cli([...data(), 'ingest', `${site.url}html/index.html`, '-c', 'mini', '--no-progress'], work);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/URL\(s\) skipped: 1 private-address/);
    expect(r.stderr).toMatch(/"mini" has no documents/);
  }, 30_000);

  it('crawls with --allow-private, applies --exclude and lists every skipped URL with --verbose', async () => {
    const seed = `${site.url}html/index.html`;
    const r = await cli(
      [...data(), 'ingest', seed, '-c', 'mini', '--allow-private', '--exclude', 'bookindex\\.html', '--max-pages', '10', '--verbose', '--no-progress'],
      work,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 pages fetched \(html\) -> 3 entities/);
    expect(r.stdout).toMatch(/bookindex\.html: excluded/);
    expect(r.stdout).toMatch(/index v1 of "mini" published: 3 entities/);

    const ask = await cli([...data(), 'ask', '-c', 'mini', '--json', 'checkpoint timeout'], work);
    const answer = JSON.parse(ask.stdout);
    expect(answer.results[0].url).toBe(`${site.url}html/checkpoints.html`);

    // Re-crawling unchanged pages stores nothing new but still publishes a new version.
    const again = await cli([...data(), 'ingest', seed, '-c', 'mini', '--allow-private', '--exclude', 'bookindex\\.html', '--no-progress'], work);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/stored 0 new, 0 updated, 3 unchanged/);
    expect(again.stdout).toMatch(/index v2 of "mini"/);
  }, 30_000);
});
