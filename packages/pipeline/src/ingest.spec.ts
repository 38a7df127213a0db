import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ingestSource, streamSource } from './ingest';

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'docs.jsonl');

describe('ingestSource, JSON Lines read as a stream', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-ingest-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads the same entities and reports the same bad lines as the whole-file reader', async () => {
    const whole = await ingestSource({ source: FIXTURE });
    const streamed = await ingestSource({ source: FIXTURE, streamAboveBytes: 0 });
    expect(whole.entities.length).toBeGreaterThan(3);
    expect(whole.badLines.length).toBeGreaterThan(0);
    expect(streamed.entities).toEqual(whole.entities);
    expect(streamed.badLines).toEqual(whole.badLines);
    expect(streamed.format).toBe('jsonl');
  });

  it('drops a byte-order mark, splits CRLF lines and numbers lines as written', async () => {
    const file = path.join(dir, 'bom.jsonl');
    await fs.writeFile(file, '\uFEFF{"id":"a","title":"First"}\r\n\r\nnot json\r\n{"id":"b","text":"Second"}\r\n');
    const streamed = await ingestSource({ source: file, streamAboveBytes: 0 });
    expect(streamed.entities.map((e) => e.id)).toEqual(['a', 'b']);
    expect(streamed.badLines.map((b) => b.line)).toEqual([3]);
    expect(await ingestSource({ source: file })).toMatchObject({ entities: streamed.entities, badLines: streamed.badLines });
  });

  it('hands a large file on in batches, its report filled in as they are read, and reads the same as ingestSource', async () => {
    const file = path.join(dir, 'many.jsonl');
    const lines = Array.from({ length: 4500 }, (_, i) => (i === 2500 ? 'not json' : JSON.stringify({ id: `d${i}`, title: `Doc ${i}`, text: `Text ${i}.` })));
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    expect(await streamSource({ source: file })).toBeNull();
    expect(await streamSource({ source: dir, streamAboveBytes: 0 })).toBeNull();
    const stream = (await streamSource({ source: file, streamAboveBytes: 0 })) as NonNullable<Awaited<ReturnType<typeof streamSource>>>;
    expect(stream.report.entities).toBe(0);
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const batch of stream.batches) {
      sizes.push(batch.length);
      for (const e of batch) ids.push(e.id);
    }
    expect(sizes).toEqual([2000, 1999, 500]);
    expect(stream.report).toMatchObject({ kind: 'file', format: 'jsonl', entities: 4499 });
    expect(stream.report.badLines.map((b) => b.line)).toEqual([2501]);
    const whole = await ingestSource({ source: file });
    expect(ids).toEqual(whole.entities.map((e) => e.id));
  });
});
