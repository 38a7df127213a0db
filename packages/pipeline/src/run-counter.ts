import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { inThreadRunCounter, RunSketch, type PairCounts, type RunCounter, type RunCounterFactory, type RunCounterSize } from '@lexigraph/core';

/**
 * A bulk build's run and pair counting on a worker thread (see RunCounter in the core): the build's first pass
 * tokenizes each entity and hands its token stream over through a ring of shared memory; the worker counts the runs
 * into a sketch whose arrays are shared, so the build reads it as it is once the worker is done, and the pairs of
 * the entities' own text into a pair map whose cells it hands over (transferred, not copied) when it is done. On a
 * generated corpus of 1,000,000 entities the run counting took 56 of the build's 352 s and the pair counting 50 of
 * 368 s (CPU profiles), all of it on the build's thread before; a machine with a second core now does them beside
 * the tokenizing. The sketch and the pairs are the ones counted on the build's thread: counting is the same in any
 * order, and only the worker counts (a stream larger than the ring goes through it in pieces).
 */

/** Ints of the ring (a power of two): 16 MB, a few thousand streams ahead. */
const RING_INTS = 1 << 22;
/** Control words: ints written, ints read, all given, worker done, worker failed. */
const WRITTEN = 0;
const READ = 1;
const CLOSED = 2;
const DONE = 3;
const FAILED = 4;

/**
 * The core's compiled entry, which the worker loads (its package's `main`: the workspace's tests map the package
 * name itself to its sources, which a worker cannot load).
 */
const CORE_PACKAGE = require.resolve('@lexigraph/core/package.json');
const CORE_ENTRY = path.join(path.dirname(CORE_PACKAGE), (JSON.parse(readFileSync(CORE_PACKAGE, 'utf8')) as { main: string }).main);

/** The default: a build of fewer runs than this counts on its own thread (a worker takes about 0.1 s to start). */
export const WORKER_MIN_RUNS = 4_000_000;

export interface WorkerRunCounterOptions {
  /** Fewer runs than this are counted on the build's thread (default WORKER_MIN_RUNS). */
  minRuns?: number;
  /** Ints of the ring shared with the worker, a power of two of at least 64 (default 2^22). */
  ringInts?: number;
}

/**
 * Counts a build's runs on a worker thread when the machine has a second core and the build is large enough
 * (`minRuns`), else on the build's thread.
 */
export function workerRunCounter(options: WorkerRunCounterOptions = {}): RunCounterFactory {
  const minRuns = options.minRuns ?? WORKER_MIN_RUNS;
  const ringInts = options.ringInts ?? RING_INTS;
  if (!Number.isInteger(Math.log2(ringInts)) || ringInts < 64) throw new RangeError(`ringInts must be a power of two of at least 64, got ${ringInts}`);
  return (size) => (size.runs < minRuns || availableParallelism() < 2 ? inThreadRunCounter(size) : startWorker(size, ringInts));
}

function startWorker({ runs, window, pairs }: RunCounterSize, ringInts: number): RunCounter {
  const words = RunSketch.slotsFor(runs) >>> 5;
  const once = new Uint32Array(new SharedArrayBuffer(words * 4));
  const twice = new Uint32Array(new SharedArrayBuffer(words * 4));
  const ring = new Int32Array(new SharedArrayBuffer(ringInts * 4));
  const ctl = new Int32Array(new SharedArrayBuffer(8 * 4));
  const sketch = new RunSketch(runs, { once, twice });
  // the pair counts come back through a port, read synchronously once the worker is done
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { core: CORE_ENTRY, runs, window, pairs, once, twice, ring, ctl, port: port2 },
    transferList: [port2],
  });
  // a build that fails before it finishes must not be kept alive by its worker
  worker.unref();
  let error: string | undefined;
  worker.on('error', (err) => (error = err.message));
  const mask = ringInts - 1;
  let written = 0;
  const throwIfFailed = (): void => {
    if (Atomics.load(ctl, FAILED) === 1) throw new Error(`the run counting worker failed${error ? `: ${error}` : ''}`);
  };

  /** Waits for room for `k` more ints in the ring (at most the ring's size), and gives the room there is. */
  const room = (k: number): number => {
    for (;;) {
      const read = Atomics.load(ctl, READ);
      const free = ringInts - ((written - read) | 0);
      if (free >= k) return free;
      throwIfFailed();
      Atomics.wait(ctl, READ, read, 100);
    }
  };
  /** Appends `values` to the ring, in pieces as the worker frees room (a stream may be larger than the ring). */
  const put = (values: Int32Array): void => {
    for (let from = 0; from < values.length; ) {
      const take = Math.min(values.length - from, room(1));
      const at = written & mask;
      const first = Math.min(take, ringInts - at);
      ring.set(values.subarray(from, from + first), at);
      if (first < take) ring.set(values.subarray(from + first, from + take), 0);
      from += take;
      written = (written + take) | 0;
      Atomics.store(ctl, WRITTEN, written);
      Atomics.notify(ctl, WRITTEN);
    }
  };
  const header = new Int32Array(2);

  return {
    addStream(stream, maxWords) {
      header[0] = stream.length;
      header[1] = maxWords;
      put(header);
      put(stream);
    },
    finish() {
      Atomics.store(ctl, CLOSED, 1);
      Atomics.notify(ctl, WRITTEN);
      while (Atomics.load(ctl, DONE) === 0) Atomics.wait(ctl, DONE, 0, 100);
      void worker.terminate();
      throwIfFailed();
      // posted before the worker said it is done
      const counted = receiveMessageOnPort(port1);
      port1.close();
      if (!counted) throw new Error('the run counting worker ended without its pair counts');
      return { sketch, pairs: counted.message as PairCounts };
    },
    abort() {
      void worker.terminate();
      port1.close();
    },
  };
}

/**
 * The worker: reads each stream of the ring (its length, its longest run, then its values, wrapped at the ring's end
 * and in as many pieces as the build wrote them) and counts its runs into a sketch over the shared arrays and its
 * pairs into its own table; once the build said it gave everything and the ring is empty, marks what it left pending,
 * posts the pair counts and says it is done.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { core, runs, window, pairs, once, twice, ring, ctl, port } = workerData;
const [WRITTEN, READ, CLOSED, DONE, FAILED] = [${WRITTEN}, ${READ}, ${CLOSED}, ${DONE}, ${FAILED}];
try {
  const { RunSketch, PairTable } = require(core);
  const sketch = new RunSketch(runs, { once, twice });
  const table = new PairTable(window);
  table.reserve(pairs);
  const mask = ring.length - 1;
  let scratch = new Int32Array(4096);
  // the stream being read: its length (-1: a header comes next), its longest run, the values read of it
  let n = -1;
  let maxWords = 0;
  let got = 0;
  let read = 0;
  for (;;) {
    const written = Atomics.load(ctl, WRITTEN);
    const avail = (written - read) | 0;
    if (avail === 0 || (n < 0 && avail < 2)) {
      if (Atomics.load(ctl, CLOSED) === 1 && Atomics.load(ctl, WRITTEN) === written) break;
      Atomics.wait(ctl, WRITTEN, written, 100);
      continue;
    }
    if (n < 0) {
      n = ring[read & mask];
      maxWords = ring[(read + 1) & mask];
      got = 0;
      read = (read + 2) | 0;
      if (scratch.length < n) scratch = new Int32Array(2 * n);
    } else {
      const take = Math.min(avail, n - got);
      const at = read & mask;
      const first = Math.min(take, ring.length - at);
      scratch.set(ring.subarray(at, at + first), got);
      if (first < take) scratch.set(ring.subarray(0, take - first), got + first);
      got += take;
      read = (read + take) | 0;
    }
    Atomics.store(ctl, READ, read);
    Atomics.notify(ctl, READ);
    if (n >= 0 && got === n) {
      sketch.addStream(scratch.subarray(0, n), maxWords);
      table.addOwnStream(scratch.subarray(0, n));
      n = -1;
    }
  }
  sketch.settle();
  const counts = table.counts();
  port.postMessage(counts, [counts.cells.buffer]);
} catch (err) {
  Atomics.store(ctl, FAILED, 1);
  throw err;
} finally {
  Atomics.store(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
  Atomics.notify(ctl, READ);
}
`;
