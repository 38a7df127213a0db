import { Buffer, isAscii, isUtf8 } from 'node:buffer';
import { SnapshotError } from './errors';
import { parseLine } from './snapshotread';

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;
const QUOTE = 0x22;
/** An ASCII id up to this many bytes is made with String.fromCharCode, longer or other ones with the decoder. */
const SHORT_ID = 256;

/**
 * The id of the entity at each slot (undefined for a free slot). A loaded snapshot's ids stay the bytes of its `ids`
 * section, a line per slot, with an offset per slot, and an id is made a string when it is read: at 1,000,000
 * entities, 1 M strings made at load (and the collections that moved them) took about a tenth of a cold ask. Ids
 * set afterwards are held as strings.
 */
export class SlotIds {
  /** the `ids` section of a loaded snapshot (see escapeLine), a line per slot, empty for a free slot */
  private lines: Uint8Array = EMPTY;
  /** line i is lines[start[i], start[i + 1] − 1), for i < loaded */
  private start = new Float64Array(1);
  private loaded = 0;
  /** whether `lines` is ASCII (then an id is made without the decoder) */
  private ascii = true;
  /** ids of loaded slots set or freed since the load (undefined: freed) */
  private readonly changed = new Map<number, string | undefined>();
  /** ids of the slots from `loaded` on */
  private readonly rest: Array<string | undefined> = [];
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /** Slots taken or freed so far: the next new slot's number. */
  get length(): number {
    return this.loaded + this.rest.length;
  }

  has(slot: number): boolean {
    if (slot >= this.loaded) return this.rest[slot - this.loaded] !== undefined;
    if (this.changed.size !== 0 && this.changed.has(slot)) return this.changed.get(slot) !== undefined;
    // a line longer than its newline
    return (this.start[slot + 1] as number) - (this.start[slot] as number) > 1;
  }

  /** The id at `slot`, or undefined for a free slot. */
  get(slot: number): string | undefined {
    if (slot >= this.loaded) return this.rest[slot - this.loaded];
    if (this.changed.size !== 0 && this.changed.has(slot)) return this.changed.get(slot);
    const from = this.start[slot] as number;
    const to = (this.start[slot + 1] as number) - 1;
    return from === to ? undefined : this.lineText(from, to);
  }

  /** Sets the id at `slot` (a slot taken so far, or the next one), or frees it (undefined). */
  set(slot: number, id: string | undefined): void {
    if (slot < this.loaded) this.changed.set(slot, id);
    else this.rest[slot - this.loaded] = id;
  }

  /** Every slot's id, in slot order (as the key maps hold them all). */
  all(): Array<string | undefined> {
    const out = new Array<string | undefined>(this.length);
    if (this.loaded > 0) {
      // one decode and one split: about ten times faster than a string made per line
      const parts = this.decoder.decode(this.lines).split('\n');
      for (let slot = 0; slot < this.loaded; slot++) {
        const line = parts[slot] as string;
        out[slot] = line === '' ? undefined : unescapeLine(line, 'ids');
      }
      for (const [slot, id] of this.changed) out[slot] = id;
    }
    for (let i = 0; i < this.rest.length; i++) out[this.loaded + i] = this.rest[i];
    return out;
  }

  /**
   * The ids of a snapshot's `ids` section (format 8 on), owned from then on: a line per slot, each ended by a
   * newline. Refuses a section that is not UTF-8, does not end with a newline or holds a quoted line that is not a
   * JSON string (see escapeLine).
   */
  static fromSection(lines: Uint8Array): SlotIds {
    const ids = new SlotIds();
    ids.lines = lines;
    if (lines.length > 0 && lines[lines.length - 1] !== NEWLINE) throw new SnapshotError('index snapshot is corrupt (section ids does not end with a newline)');
    // Node's native checks and newline search (memchr): two byte loops in JS took about 60 ms at 1,000,000 entities
    if (!isAscii(lines)) {
      if (!isUtf8(lines)) throw new SnapshotError('index snapshot is corrupt (section ids is not UTF-8)');
      ids.ascii = false;
    }
    const buf = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength);
    let starts = new Float64Array(1024);
    let count = 0;
    for (let lineStart = 0; lineStart < lines.length; count++) {
      const end = buf.indexOf(NEWLINE, lineStart);
      if (count + 1 >= starts.length) {
        const grown = new Float64Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count] = lineStart;
      // a quoted line is an escaped id (rare): checked now, so a corrupt one is refused at load
      if (lines[lineStart] === QUOTE) unescapeLine(ids.decoder.decode(lines.subarray(lineStart, end)), 'ids');
      lineStart = end + 1;
    }
    starts[count] = lines.length;
    ids.start = starts.length === count + 1 ? starts : starts.slice(0, count + 1);
    ids.loaded = count;
    return ids;
  }

  private lineText(from: number, to: number): string {
    const text =
      this.ascii && to - from <= SHORT_ID
        ? String.fromCharCode.apply(null, this.lines.subarray(from, to) as unknown as number[])
        : this.decoder.decode(this.lines.subarray(from, to));
    return unescapeLine(text, 'ids');
  }
}

/** A string that cannot stand as a line as it is: empty, with a newline or a lone surrogate, or starting with a quote. */
const NOT_A_LINE = /^$|^"|\n|[\ud800-\udfff]/;

/**
 * A string as a line of a key section: itself, or its JSON when it cannot stand so (see NOT_A_LINE), so an empty line
 * stays free for "none" and every string comes back as it was (see unescapeLine).
 */
export function escapeLine(s: string): string {
  return NOT_A_LINE.test(s) ? JSON.stringify(s) : s;
}

/** The string of a line written by escapeLine. */
export function unescapeLine(line: string, section: string): string {
  if (line.charCodeAt(0) !== 0x22) return line;
  const s = parseLine(line, section);
  if (typeof s !== 'string') throw new SnapshotError(`index snapshot is corrupt (section ${section} holds a line that is not a string)`);
  return s;
}
