import fc from 'fast-check';
import { RunSketch } from './runsketch';

/** Every run of 2..maxWords words of a stream (markers, negative, end a sentence) with its hash and its word ids. */
function runsOf(stream: Int32Array, maxWords: number): Array<{ key: string; h: number }> {
  const out: Array<{ key: string; h: number }> = [];
  for (let i = 0; i < stream.length; i++) {
    const w = stream[i] as number;
    if (w < 0) continue;
    let h = RunSketch.first(w);
    const words = [w];
    for (let k = 1; k < maxWords && i + k < stream.length; k++) {
      const next = stream[i + k] as number;
      if (next < 0) break;
      h = RunSketch.extend(h, next);
      words.push(next);
      out.push({ key: words.join(' '), h });
    }
  }
  return out;
}

const streamArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(-1, -6)), { minLength: 1, maxLength: 300 }).map((a) => Int32Array.from(a));

describe('RunSketch', () => {
  it('admits every run that occurs twice, however small the sketch (collisions only admit more)', () => {
    fc.assert(
      fc.property(fc.array(streamArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(0, 10, 100_000), fc.integer({ min: 2, max: 4 }), (streams, size, maxWords) => {
        const sketch = new RunSketch(size);
        const seen = new Map<string, number>();
        for (const st of streams) {
          sketch.addStream(st, maxWords);
          for (const r of runsOf(st, maxWords)) seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
        }
        for (const st of streams) for (const r of runsOf(st, maxWords)) if ((seen.get(r.key) as number) >= 2) expect(sketch.admits(r.h)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects nearly every run seen once when it has room for them, and estimates the runs it admits (slot collisions inflate the estimate a little)', () => {
    // 20,000 distinct two-word runs, each once, and 500 of them a second time
    const words: number[] = [];
    for (let i = 0; i < 20_000; i++) words.push(2 * i, 2 * i + 1, -1);
    for (let i = 0; i < 500; i++) words.push(2 * i, 2 * i + 1, -1);
    const sketch = new RunSketch(20_000);
    sketch.addStream(Int32Array.from(words), 4);
    let onceAdmitted = 0;
    for (let i = 500; i < 20_000; i++) if (sketch.admits(RunSketch.extend(RunSketch.first(2 * i), 2 * i + 1))) onceAdmitted++;
    for (let i = 0; i < 500; i++) expect(sketch.admits(RunSketch.extend(RunSketch.first(2 * i), 2 * i + 1))).toBe(true);
    expect(onceAdmitted / 19_500).toBeLessThan(0.02);
    expect(sketch.admittedEstimate()).toBeGreaterThanOrEqual(500);
    expect(sketch.admittedEstimate()).toBeLessThan(2_000);
  });
});
