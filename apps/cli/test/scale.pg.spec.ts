import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { defaultSharedDataDir } from '../src/bench/datasets';
import { RSS_PROBE, SCALE_WORKER } from '../src/bench/scale/child';
import { GATEWAY_MAIN } from '../src/bench/scale/gateway';
import { runScaleBench, type ScaleReport } from '../src/bench/scale/scale';
import { tempDir } from './helpers';

const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SHARED = defaultSharedDataDir();
// The children run the compiled CLI and worker; SciFact's sentences make the corpus.
const ready = [path.join(__dirname, '..', 'dist', 'main.js'), RSS_PROBE, SCALE_WORKER, GATEWAY_MAIN, path.join(SHARED, 'scifact', 'corpus.jsonl')].every((f) =>
  existsSync(f),
);

(ready ? describe : describe.skip)('lexigraph bench --scale, end to end on PostgreSQL (built)', () => {
  let work: string;
  let report: ScaleReport;
  const lines: string[] = [];

  beforeAll(async () => {
    work = await tempDir('lexigraph-scale-e2e-');
    report = await runScaleBench({
      sizes: [200],
      seed: 5,
      databaseUrl: BASE_URL,
      sharedDataDir: SHARED,
      sources: ['scifact'],
      prompts: 100,
      reportFile: path.join(work, 'report.json'),
      visibleTimeoutMs: 30_000,
      log: (l) => lines.push(l),
    });
  }, 300_000);
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('fills every figure of ours and of FTS5 with sane values', () => {
    expect(report.sizes).toHaveLength(1);
    const s = report.sizes[0]!;
    expect(s.status).toBe('ok');
    expect(s.corpus).toMatchObject({ entities: 200 });
    expect(s.corpus!.bytes / 200).toBeGreaterThan(1000);
    const o = s.ours!;
    expect(o.ingest).toMatchObject({ ok: true });
    expect(o.ingest!.entities).toBeGreaterThan(190);
    expect(o.ingest!.buildMs).toBeGreaterThan(0);
    expect(o.ingest!.peakRssMB).toBeGreaterThan(30);
    expect(o.ingest!.wallMs).toBeGreaterThan(o.ingest!.buildMs! + o.ingest!.publishMs!);
    expect(o.indexBytes).toBeGreaterThan(10_000);
    expect(o.databaseBytes).toBeGreaterThan(0);
    expect(o.coldAsk).toMatchObject({ ok: true });
    expect(o.coldAsk!.peakRssMB).toBeGreaterThan(30);
    const q = o.query!;
    if (!('ask' in q)) throw new Error(`query process failed: ${q.error}`);
    expect(q.rssAfterLoadMB).toBeGreaterThan(20);
    expect(q.ask.p99Ms).toBeGreaterThanOrEqual(q.ask.p50Ms);
    expect(q.noAnswer).toBeLessThan(100);
    expect(o.add).toMatchObject({ ok: true, polls: 1 });
    expect(o.add!.visibleMs).toBeGreaterThan(o.add!.commandMs!);
    expect(o.delete).toMatchObject({ ok: true });
    // a real gateway served the index under load, and showed the add and the delete
    const g = o.gateway!;
    expect(g).toMatchObject({ ok: true });
    expect(g.rssAfterLoadMB).toBeGreaterThan(20);
    expect(g.idle!.requests).toBeGreaterThan(10);
    expect(g.idle!.failed).toBe(0);
    expect(g.idle!.p99Ms).toBeGreaterThanOrEqual(g.idle!.p50Ms);
    for (const k of ['addIdleMs', 'deleteIdleMs', 'addLoadedMs', 'deleteLoadedMs'] as const) expect(g[k]).toBeGreaterThan(0);
    expect(g.swap!.requests).toBeGreaterThan(0);
    expect(g.swap!.failed).toBe(0);
    expect(Number.isFinite(g.p99Ratio)).toBe(true);
    const f = s.fts5!;
    expect(f.ok).toBe(true);
    expect(f.result).toMatchObject({ rows: 200 });
    expect(f.result!.fileBytes).toBeGreaterThan(100_000);
    expect(f.peakRssMB).toBeGreaterThan(10);
    expect(f.result!.search.p99Ms).toBeGreaterThanOrEqual(f.result!.search.p50Ms);
    for (const k of ['indexBytes', 'ingestVsBuild', 'buildPublishVsBuild', 'p50', 'searchP50', 'rssVsIndex'] as const) {
      expect(Number.isFinite(s.ratios![k])).toBe(true);
      expect(s.ratios![k]).toBeGreaterThan(0);
    }
  });

  it('prints the table and writes the same report as JSON', async () => {
    const table = report.sizes[0]!.table!;
    expect(lines).toContain(table);
    for (const row of ['ingest → published', 'index bytes', 'cold `lexigraph ask`', 'query p50 / p99', 'delete → visible', 'gateway p50 / p99 during the swaps']) expect(table).toContain(row);
    expect(table).toMatch(/lexigraph\s+fts5\s+ours\/fts5/);
    const written = JSON.parse(await fs.readFile(path.join(work, 'report.json'), 'utf8')) as ScaleReport;
    expect(written.sizes[0]!.corpus!.sha256).toBe(report.sizes[0]!.corpus!.sha256);
    expect(written.prompts).toBe(100);
  });

  it('drops the schema it ingested into', async () => {
    const client = new pg.Client({ connectionString: BASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'lexigraph_scale_200_5_%'");
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
