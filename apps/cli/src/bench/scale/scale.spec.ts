import type { ChildRun } from './child';
import { medianRun } from './scale';

const run = (wallMs: number, ok = true): ChildRun => ({ code: ok ? 0 : 1, signal: null, ok, wallMs, peakRssMB: wallMs / 10, rssSource: 'probe', stdout: '', stderr: '' });

describe('medianRun', () => {
  it('takes the run of median wall time, whatever the order they ran in', () => {
    expect(medianRun([run(2140), run(1880), run(2010)]).wallMs).toBe(2010);
    expect(medianRun([run(1880), run(2010), run(2140)]).peakRssMB).toBe(201);
    expect(medianRun([run(1500)]).wallMs).toBe(1500);
    expect(medianRun([run(30), run(10), run(40), run(20)]).wallMs).toBe(30);
  });

  it('reports a failed run instead of a median, and refuses no run', () => {
    expect(medianRun([run(1000), run(900, false), run(1100)]).ok).toBe(false);
    expect(() => medianRun([])).toThrow(RangeError);
  });
});
