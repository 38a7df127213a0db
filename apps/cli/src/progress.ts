import { SingleBar, Presets } from 'cli-progress';
import { println, type Writable } from './io';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Minimum interval between two plain progress lines (ms). */
const PLAIN_INTERVAL_MS = 2000;

/**
 * A progress reporter for one step: a cli-progress bar when `out` is a terminal, else a plain line at most every
 * two seconds (and one at the end), which reads well in CI logs. `total` 0 means unknown: the bar shows a count.
 */
export function createProgress(out: Writable, label: string, enabled = true): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (out.isTTY) {
    const bar = new SingleBar(
      {
        stream: out as unknown as NodeJS.WritableStream,
        format: `${label.padEnd(8)} [{bar}] {value}/{total} {percentage}% {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    let started = false;
    let stopped = false;
    let lastDone = 0;
    return {
      update(done, total) {
        if (stopped) return;
        lastDone = done;
        const shown = Math.max(total, done);
        if (!started) {
          bar.start(shown, done);
          started = true;
        } else {
          if (shown !== bar.getTotal()) bar.setTotal(shown);
          bar.update(done);
        }
      },
      stop() {
        if (started && !stopped) {
          // The step is over: what was done is the whole (queued URLs may have been skipped).
          bar.setTotal(Math.max(1, lastDone));
          bar.update(lastDone);
          bar.stop();
        }
        stopped = true;
      },
    };
  }
  let last = 0;
  let lastDone = -1;
  let lastTotal = 0;
  let stopped = false;
  const line = (done: number, total: number) =>
    println(out, `${label}: ${done}${total > 0 ? `/${total} (${Math.round((100 * done) / total)}%)` : ''}`);
  return {
    update(done, total) {
      if (stopped) return;
      lastDone = done;
      lastTotal = total;
      const now = Date.now();
      if (now - last >= PLAIN_INTERVAL_MS) {
        last = now;
        line(done, total);
      }
    },
    stop() {
      if (!stopped && lastDone >= 0) line(lastDone, lastTotal);
      stopped = true;
    },
  };
}
