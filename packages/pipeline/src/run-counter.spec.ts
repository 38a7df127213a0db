import { inThreadRunCounter, LexIndex, PairTable, RunSketch, type Entity, type PairCounts } from '@lexigraph/core';
import { workerRunCounter } from './run-counter';

/** The (a, b, count) entries of pair counts, sorted. */
function pairEntries(c: PairCounts): string[] {
  const out: string[] = [];
  for (let o = 0; o < c.cells.length; o += 4) if ((c.cells[o] as number) !== -1) out.push(`${c.cells[o]},${c.cells[o + 1]},${c.cells[o + 2]}`);
  return out.sort();
}

/** The hash state of every run of 2..maxWords words of a stream (markers, negative, end a sentence). */
function runHashes(stream: Int32Array, maxWords: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < stream.length; i++) {
    if ((stream[i] as number) < 0) continue;
    let h = RunSketch.first(stream[i] as number);
    for (let k = 1; k < maxWords && i + k < stream.length && (stream[i + k] as number) >= 0; k++) {
      h = RunSketch.extend(h, stream[i + k] as number);
      out.push(h);
    }
  }
  return out;
}

describe('workerRunCounter', () => {
  it('counts on a worker the sketch and pairs the build thread counts, through a ring that wraps and streams larger than it', () => {
    let x = 11;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    // 400 streams of 0..300 words of a 500-word vocabulary, sentences of about 12 words each led by a field marker
    // (−1 .. −6: title, heading, category, tags, anchor, body); a ring of 64 ints
    const marker = () => -1 - (next() % 6);
    const makeStreams = () =>
      Array.from({ length: 400 }, () => Int32Array.from({ length: next() % 301 }, (_v, i) => (i === 0 || next() % 12 === 0 ? marker() : (next() >>> 8) % 500)));
    const streams = makeStreams();
    const size = { runs: 20_000, window: 3, pairs: 1_000 };
    const onWorker = workerRunCounter({ minRuns: 0, ringInts: 64 })(size);
    const here = inThreadRunCounter(size);
    for (const [i, s] of streams.entries()) {
      const maxWords = 2 + (i % 3);
      onWorker.addStream(s, maxWords);
      here.addStream(s, maxWords);
      // the caller may reuse a stream once it is given
      s.fill(-1);
    }
    const { sketch: a, pairs: pa } = onWorker.finish();
    const { sketch: b, pairs: pb } = here.finish();
    const all: number[] = [];
    for (const s of Array.from({ length: 400 }, (_v, i) => i)) all.push(s * 7919);
    x = 11;
    const again = makeStreams();
    again.forEach((s, i) => all.push(...runHashes(s, 2 + (i % 3))));
    // the pairs of the own-text sentences (not anchors, categories nor tags), as an index counts them sentence by sentence
    const bySentence = new PairTable(3);
    for (const s of again) {
      for (let i = 0; i < s.length; ) {
        let end = i + 1;
        while (end < s.length && (s[end] as number) >= 0) end++;
        if (![-3, -4, -5].includes(s[i] as number)) bySentence.addSentence(Array.from(s.subarray(i + 1, end)), 1);
        i = end;
      }
    }
    const expected = bySentence.counts();
    expect(expected.count).toBeGreaterThan(5_000);
    for (const got of [pa, pb]) {
      expect({ count: got.count, occurrences: got.occurrences }).toEqual({ count: expected.count, occurrences: expected.occurrences });
      expect(pairEntries(got)).toEqual(pairEntries(expected));
    }
    expect(all.length).toBeGreaterThan(20_000);
    expect(all.filter((h) => a.admits(h) !== b.admits(h))).toEqual([]);
    expect(all.filter((h) => b.admits(h)).length).toBeGreaterThan(1_000);
    expect(a.admittedEstimate()).toBe(b.admittedEstimate());
  });

  it('builds on a worker the index the build thread builds, byte for byte', () => {
    // 300 documents of sentences over a 400-word vocabulary, common words far more often: many runs occur twice
    let x = 5;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const word = () => `w${Math.floor(400 * (next() / 2 ** 32) ** 2)}`;
    const sentence = () => Array.from({ length: 6 + (next() % 10) }, word).join(' ');
    const docs: Entity[] = Array.from({ length: 300 }, (_v, i) => ({
      id: `d${i}`,
      title: sentence(),
      text: Array.from({ length: 2 + (next() % 4) }, sentence).join('. '),
      category: [],
      tags: [],
      links: [],
    }));
    const build = (counter: Parameters<typeof LexIndex.builder>[1]) => {
      const b = LexIndex.builder({}, counter);
      for (const e of docs) b.add(e);
      return b.finish();
    };
    const here = build(inThreadRunCounter);
    const onWorker = build(workerRunCounter({ minRuns: 0, ringInts: 256 }));
    expect(Buffer.compare(Buffer.from(onWorker.serialize()), Buffer.from(here.serialize()))).toBe(0);
    expect(onWorker.stats().multiTokens).toBeGreaterThan(0);
  });

  it('refuses a ring that is not a power of two', () => {
    expect(() => workerRunCounter({ ringInts: 100 })).toThrow(RangeError);
  });
});
