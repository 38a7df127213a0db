import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Entity } from '@lexigraph/core';

/** Bytes gathered before they are written to the file. */
const WRITE_BYTES = 4 << 20;

/**
 * Entities kept as JSON lines in a temporary file, read back one at a time by their number: what an upload read in
 * batches holds of the entities it kept, so that its deduplicator can check a candidate (a hash match, rare) against
 * it. It holds 8 bytes an entity in memory (its line's offset), where the lines themselves took the size of the texts
 * (1.3 GB for 1,000,000 generated entities). Reads are synchronous: the deduplicator asks for one line at a time.
 * `close()` removes the file.
 */
export class SpillLines {
  private readonly dir: string;
  private readonly fd: number;
  /** offset of line i in the file, for i ≤ count (the last: the end of the file and of the buffer) */
  private offsets = new Float64Array(1024);
  private count = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** bytes written to the file so far */
  private written = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'lexigraph-upload-'));
    this.fd = openSync(path.join(this.dir, 'kept.jsonl'), 'w+');
  }

  /** Entities kept so far. */
  get size(): number {
    return this.count;
  }

  /** Appends entity `e` as the next line (its number is the count before). */
  push(e: Entity): void {
    const line = Buffer.from(JSON.stringify(e), 'utf8');
    if (this.count + 2 > this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.count++;
    this.offsets[this.count] = (this.offsets[this.count - 1] as number) + line.length;
    if (this.pendingBytes >= WRITE_BYTES) this.flush();
  }

  /** The n-th entity pushed (0-based), or undefined. */
  at(n: number): Entity | undefined {
    if (!Number.isInteger(n) || n < 0 || n >= this.count) return undefined;
    const from = this.offsets[n] as number;
    const to = this.offsets[n + 1] as number;
    if (to > this.written) this.flush();
    const buf = Buffer.allocUnsafe(to - from);
    let got = 0;
    while (got < buf.length) {
      const r = readSync(this.fd, buf, got, buf.length - got, from + got);
      if (r === 0) throw new Error(`kept entity ${n} is cut short in its temporary file`);
      got += r;
    }
    return JSON.parse(buf.toString('utf8')) as Entity;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const joined = Buffer.concat(this.pending, this.pendingBytes);
    let done = 0;
    while (done < joined.length) done += writeSync(this.fd, joined, done, joined.length - done, this.written + done);
    this.written += joined.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Closes and removes the file. */
  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
