import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cli, FIXTURES, tempDir } from './helpers';

describe('lexigraph CLI (embedded database)', () => {
  let work: string;
  const data = () => ['--data', path.join(work, 'data')];

  beforeAll(async () => {
    work = await tempDir('lexigraph-cli-');
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('ingests a JSONL file: reports malformed lines by 1-based number and ingests the good ones', async () => {
    const r = await cli([...data(), 'ingest', path.join(FIXTURES, 'docs.jsonl'), '--collection', 'kb', '--no-progress'], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-> 8 entities');
    expect(r.stdout).toContain('2 bad input line(s) skipped');
    expect(r.stdout).toMatch(/line 4: /);
    expect(r.stdout).toMatch(/line 8: /);
    expect(r.stdout).toMatch(/stored 8 new, 0 updated, 0 unchanged/);
    expect(r.stdout).toMatch(/index v1 of "kb" published: 8 entities/);
    const manifest = JSON.parse(await fs.readFile(path.join(work, 'data', 'indexes', 'kb.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: 1, file: 'kb.v1.lxg' });
  }, 60_000);

  it('answers a prompt as text and as JSON with ids, urls and scores', async () => {
    const text = await cli([...data(), 'ask', '--collection', 'kb', 'vacuum freeze'], work);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Routine vacuuming');
    expect(text.stdout).toContain('https://docs.example.org/vacuum.html');

    const json = await cli([...data(), 'ask', '--collection', 'kb', '--json', '--param', 'k=3', 'create a partial index'], work);
    expect(json.code).toBe(0);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0] ?? '');
    expect(answer.indexVersion).toBe(1);
    expect(answer.results.length).toBeGreaterThan(0);
    expect(answer.results.length).toBeLessThanOrEqual(3);
    expect(answer.results[0].id).toBe('index-partial');
    for (const r of answer.results) {
      expect(typeof r.id).toBe('string');
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  it('answers as a caller in the ACL groups of --acl-groups: nothing of a document whose acl names none of them', async () => {
    const ingested = await cli([...data(), 'ingest', path.join(FIXTURES, 'acl-docs.jsonl'), '--collection', 'acl', '--no-progress'], work);
    expect(ingested.code).toBe(0);
    const ask = async (prompt: string, ...flags: string[]) => {
      const r = await cli([...data(), 'ask', '-c', 'acl', '--json', ...flags, prompt], work);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout.trim());
    };
    const ids = (a: { results: Array<{ id: string }> }) => a.results.map((r) => r.id).sort();
    expect(ids(await ask('greenhouse'))).toEqual(['budget-a', 'plan-b', 'watering']);
    // "expansion" occurs only in b's document: for team a half the prompt is lacking, which would decline it
    // (minCoverage, minHeld); the thresholds are off here, so the answer shows what team a may see
    const teamA = await ask('greenhouse expansion', '--acl-groups', 'team-a', '--param', 'minCoverage=0', '--param', 'minBest=0', '--param', 'minHeld=0');
    expect(ids(teamA)).toEqual(['budget-a', 'watering']);
    // b's words appear nowhere in a's answer (its prompt aside)
    expect(JSON.stringify({ ...teamA, prompt: '' }).toLowerCase()).not.toMatch(/hobrinth|plan-b/);
    expect(ids(await ask('greenhouse', '--acl-groups', 'team-a, admins'))).toEqual(['budget-a', 'plan-b', 'watering']);
    expect(ids(await ask('greenhouse', '--acl-groups', 'guests'))).toEqual(['watering']);
    // a secret word of b is "found nowhere" for a, exactly as a word no document holds
    expect((await ask('hobrinth', '--acl-groups', 'team-a')).noAnswer.reason).toBe((await ask('zzzq', '--acl-groups', 'team-a')).noAnswer.reason.replace('zzzq', 'hobrinth'));
  }, 60_000);

  it('answers a batch file line by line, in order, one JSON answer per line', async () => {
    const r = await cli([...data(), 'ask', '--collection', 'kb', '--batch', path.join(FIXTURES, 'prompts.txt'), '--json'], work);
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(answers.map((a) => a.prompt)).toEqual(['vacuum freeze', 'how do I create a partial index', 'jsonb binary format']);
    expect(answers.map((a) => a.results[0]?.id)).toEqual(['vacuum', 'index-partial', 'json']);
    for (const a of answers) {
      expect(typeof a.timings.totalMs).toBe('number');
      for (const res of a.results) expect(res.url).toMatch(/^https:\/\/docs\.example\.org\//);
    }
  });

  it('rejects an unknown parameter with exit code 2 and a one-line message naming it', async () => {
    const r = await cli([...data(), 'ask', '--collection', 'kb', '--param', 'bogusKnob=3', 'vacuum'], work);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bogusKnob');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await cli([...data(), 'ask', '--collection', 'kb', '--param', 'k=-4', 'vacuum'], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\bk\b/);
  });

  it('applies a parameter profile (built in or from profiles.json), with --param winning over it', async () => {
    const builtin = await cli([...data(), 'ask', '-c', 'kb', '--json', '--profile', 'precise', 'vacuum'], work);
    expect(builtin.code).toBe(0);
    expect(JSON.parse(builtin.stdout).params.k).toBe(20);

    await fs.writeFile(path.join(work, 'data', 'profiles.json'), JSON.stringify({ short: { k: '2' } }));
    const fromFile = await cli([...data(), 'ask', '-c', 'kb', '--json', '--profile', 'short', 'vacuum'], work);
    expect(JSON.parse(fromFile.stdout).params.k).toBe(2);
    const overridden = await cli([...data(), 'ask', '-c', 'kb', '--json', '--profile', 'short', '--param', 'k=4', 'vacuum'], work);
    expect(JSON.parse(overridden.stdout).params.k).toBe(4);

    const unknown = await cli([...data(), 'ask', '-c', 'kb', '--profile', 'nosuch', 'vacuum'], work);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown profile "nosuch"/);
  });

  it('evaluates a collection on a tiny qrels file', async () => {
    const r = await cli([...data(), 'eval', '--collection', 'kb', '--qrels', path.join(FIXTURES, 'qrels.jsonl'), '--json'], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.queries).toBe(4);
    expect(m.ndcg10).toBeGreaterThan(0.5);
    expect(m.mrr10).toBeGreaterThan(0.5);
    expect(m.recall100).toBeGreaterThanOrEqual(m.recall10);
    for (const key of ['ndcg10', 'p1', 'recall10', 'recall100', 'mrr10', 'map']) {
      expect(m[key]).toBeGreaterThanOrEqual(0);
      expect(m[key]).toBeLessThanOrEqual(1);
    }
    const text = await cli([...data(), 'eval', '--collection', 'kb', '--qrels', path.join(FIXTURES, 'qrels.jsonl')], work);
    expect(text.stdout).toMatch(/nDCG@10\s+\d\.\d{4}/);
    expect(text.stdout).toMatch(/P@1\s+\d\.\d{4}/);
    expect(text.stdout).toMatch(/Recall@100\s+\d\.\d{4}/);
  });

  it('prints table sizes and the index version', async () => {
    const r = await cli([...data(), 'stats', '--collection', 'kb', '--json'], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ collection: 'kb', indexVersion: 1, entities: 8 });
    expect(s.multiTokens).toBeGreaterThan(0);
    expect(s.indexBytes).toBeGreaterThan(0);
  });

  it('refuses to ask an empty or unknown collection (exit 2, one line on stderr)', async () => {
    const empty = await cli([...data(), 'ingest', path.join(FIXTURES, 'bad-only.jsonl'), '--collection', 'hollow', '--no-progress'], work);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(/line 1: /);
    expect(empty.stdout).toMatch(/line 2: /);
    expect(empty.stderr).toContain('"hollow"');

    const asked = await cli([...data(), 'ask', '--collection', 'hollow', 'anything'], work);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(/^error: .*"hollow".*\n$/);

    const unknown = await cli([...data(), 'ask', '--collection', 'nowhere', 'anything'], work);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown collection "nowhere"/);
  }, 30_000);

  it('refuses an unknown collection in an empty data directory without creating a database', async () => {
    const fresh = path.join(work, 'fresh');
    const r = await cli(['--data', fresh, 'ask', '--collection', 'kb', 'vacuum'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown collection "kb"/);
    await expect(fs.stat(path.join(fresh, 'db'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads the data directory from LEXIGRAPH_DATA and reports usage errors with exit 2', async () => {
    const viaEnv = await cli(['ask', '--collection', 'kb', '--json', 'wal checkpoints'], work, { LEXIGRAPH_DATA: path.join(work, 'data') });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout).results[0].id).toBe('wal');

    const missing = await cli([...data(), 'ask', 'vacuum'], work);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--collection');

    const noPrompt = await cli([...data(), 'ask', '--collection', 'kb'], work);
    expect(noPrompt.code).toBe(2);
    expect(noPrompt.stderr).toMatch(/missing prompt/);
  });

  it('keeps INDEX_RETAIN_VERSIONS snapshot files per collection, and refuses a bad value with exit 2', async () => {
    const env = { INDEX_RETAIN_VERSIONS: '2' };
    for (let i = 0; i < 2; i++) {
      const r = await cli([...data(), 'ingest', path.join(FIXTURES, 'docs.jsonl'), '--collection', 'kb', '--no-progress'], work, env);
      expect(r.code).toBe(0);
    }
    const manifest = JSON.parse(await fs.readFile(path.join(work, 'data', 'indexes', 'kb.json'), 'utf8'));
    const files = (await fs.readdir(path.join(work, 'data', 'indexes'))).filter((f) => f.startsWith('kb.v')).sort();
    // the newest two versions' files, and the chain the manifest opens (its full snapshot and deltas)
    const kept = new Set([...manifest.chain, `kb.v${manifest.version - 1}.lxg`, `kb.v${manifest.version}.lxg`]);
    expect(files).toEqual([...kept].sort());

    const bad = await cli([...data(), 'stats', '--collection', 'kb'], work, { INDEX_RETAIN_VERSIONS: 'all' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INDEX_RETAIN_VERSIONS=all');
  }, 120_000);
});
