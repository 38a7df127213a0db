import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { run, readTarBrotli } from '@lexigraph/cli';
import { CollectionConfig } from '@lexigraph/contracts';
import type { Entity } from '@lexigraph/core';
import { htmlToEntity } from '@lexigraph/crawler';
import { startGateway } from '../src/main';
import { post, testDb, type Json, type TestDb } from './fixtures';

const VENDOR = path.resolve(__dirname, '..', '..', '..', 'vendor', 'pg15-docs');
const PAGES = 300;
const PROMPTS = 200;

/** The first PAGES pages of the vendored PostgreSQL manual (the back-of-book index left out), as the crawler reads them. */
async function manualPages(): Promise<Entity[]> {
  const files = readTarBrotli(await fs.readFile(path.join(VENDOR, 'pg15-docs.tar.br')))
    .filter((f) => f.path.endsWith('.html') && !f.path.endsWith('bookindex.html'))
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .slice(0, PAGES);
  return files.map((f) => htmlToEntity(Buffer.from(f.data).toString('utf8'), `https://pg.test/${path.basename(f.path)}`));
}

/** The first PROMPTS prompts of the vendored judgments (the manual's index terms). */
async function prompts(): Promise<string[]> {
  const lines = (await fs.readFile(path.join(VENDOR, 'pg15.qrels.jsonl'), 'utf8')).split('\n').filter(Boolean);
  return lines.slice(0, PROMPTS).map((l) => (JSON.parse(l) as { query: string }).query);
}

/** An answer without its timings, the one part two runs may differ in. */
function comparable(answer: Json): Json {
  const { timings, ...rest } = answer;
  expect(typeof timings.totalMs).toBe('number');
  return rest;
}

async function cliAnswers(argv: string[], cwd: string): Promise<Json[]> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout.trim().split('\n').map((l) => JSON.parse(l));
}

describe('one answer path: the CLI and the gateway answer alike', () => {
  let db: TestDb;
  let app: NestFastifyApplication;
  let url: string;
  let asked: string[];
  let fresh: string;

  beforeAll(async () => {
    db = await testDb('path');
    // stored defaults of the collection, and a profile of it that overrides one of them
    await db.pipeline.ensureCollection('manual', CollectionConfig.parse({ name: 'manual', defaults: { k: '7', snippetChars: '60', summarySentences: '2' } }));
    await db.publish('manual', await manualPages());
    const profiles = JSON.stringify({ collections: { manual: { tight: { k: '4', bBody: '0.6' } } } });
    await fs.writeFile(path.join(db.dataDir, 'profiles.json'), profiles);
    // a reader with its own data directory: the CLI loads the index (and the defaults) from the database
    fresh = await fs.mkdtemp(path.join(db.dataDir, 'cli-'));
    await fs.writeFile(path.join(fresh, 'profiles.json'), profiles);
    asked = await prompts();
    await fs.writeFile(path.join(db.dataDir, 'prompts.txt'), `${asked.join('\n')}\n`);
    ({ app, url } = await startGateway({ config: db.config({ dataDir: db.dataDir }), logger: 'error', defaultMetrics: false, events: false }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it(`gives identical answers (timings aside) to ${PROMPTS} prompts with stored defaults and a profile`, async () => {
    const batch = path.join(db.dataDir, 'prompts.txt');
    const fromFiles = await cliAnswers(['--data', db.dataDir, 'ask', '-c', 'manual', '--json', '--profile', 'tight', '--batch', batch], db.dataDir);
    const fromDatabase = await cliAnswers(
      ['--data', fresh, '--database-url', db.url, 'ask', '-c', 'manual', '--json', '--profile', 'tight', '--batch', batch],
      db.dataDir,
    );
    expect(fromFiles).toHaveLength(PROMPTS);
    expect(fromDatabase).toHaveLength(PROMPTS);
    let answered = 0;
    for (let i = 0; i < PROMPTS; i++) {
      const { status, body } = await post(`${url}/v1/collections/manual/query`, { prompt: asked[i], profile: 'tight' });
      expect(status).toBe(200);
      const gateway = comparable(body);
      expect(comparable(fromFiles[i])).toEqual(gateway);
      expect(comparable(fromDatabase[i])).toEqual(gateway);
      // the layers: k from the profile, snippetChars and summarySentences from the stored defaults
      expect(gateway.params).toMatchObject({ k: 4, bBody: 0.6, snippetChars: 60, summarySentences: 2 });
      expect(gateway.results.length).toBeLessThanOrEqual(4);
      if (gateway.results.length) answered++;
    }
    expect(answered).toBeGreaterThan(PROMPTS / 2);
  }, 120_000);
});
