/**
 * Finding members of a JSON object in its UTF-8 bytes without parsing the rest: a snapshot's entity lines are read
 * for their id, URL and ACL at load, and the text around them is skipped (a string is skipped by searching for its
 * closing quote, so the body text costs a few native searches, not a parse).
 *
 * The object must be written compactly, as `JSON.stringify` writes it: no whitespace between tokens. Member names
 * are compared byte for byte, so a name is found only as written without escapes (which is how JSON.stringify
 * writes every ASCII name but `"` and `\`).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The offset of the quote that closes the string opening at b[p], or −1 when it does not close before `to`. */
function stringEnd(b: Uint8Array, p: number, to: number): number {
  let q = p + 1;
  for (;;) {
    q = b.indexOf(QUOTE, q);
    if (q < 0 || q >= to) return -1;
    // escaped when an odd number of backslashes precede it
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if (((q - 1 - k) & 1) === 0) return q;
    q++;
  }
}

/** The offset just after the JSON value starting at b[p], or −1 when it does not end before `to`. */
function valueEnd(b: Uint8Array, p: number, to: number): number {
  const c = b[p];
  if (c === QUOTE) {
    const q = stringEnd(b, p, to);
    return q < 0 ? -1 : q + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    // invariant: depth counts the objects and arrays open at q; strings are skipped whole
    let depth = 0;
    for (let q = p; q < to; q++) {
      const x = b[q];
      if (x === QUOTE) {
        q = stringEnd(b, q, to);
        if (q < 0) return -1;
      } else if (x === OPEN_BRACE || x === OPEN_BRACKET) depth++;
      else if (x === CLOSE_BRACE || x === CLOSE_BRACKET) {
        if (--depth === 0) return q + 1;
      }
    }
    return -1;
  }
  // a number, true, false or null: up to the next comma or closing brace or bracket
  for (let q = p; q < to; q++) {
    const x = b[q];
    if (x === COMMA || x === CLOSE_BRACE || x === CLOSE_BRACKET) return q > p ? q : -1;
  }
  return -1;
}

function sameBytes(b: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (b[at + i] !== name[i]) return false;
  return true;
}

/** Member names as the byte strings {@link findMembers} compares (ASCII, as written without escapes). */
export function memberNames(names: readonly string[]): Uint8Array[] {
  return names.map((n) => new TextEncoder().encode(n));
}

/**
 * Finds members of the compact JSON object in b[from, to): for each name of `names`, the byte range of its value
 * (`ranges[2i]`, `ranges[2i + 1]`), or −1, −1 when the object has no such member (the first occurrence counts).
 * Stops once every name is found. Returns false when the bytes are not a compact JSON object (so far as they were
 * read), true otherwise.
 */
export function findMembers(b: Uint8Array, from: number, to: number, names: readonly Uint8Array[], ranges: Float64Array): boolean {
  ranges.fill(-1);
  let p = from;
  if (b[p] !== OPEN_BRACE || b[to - 1] !== CLOSE_BRACE) return false;
  p++;
  if (b[p] === CLOSE_BRACE) return p + 1 === to;
  let found = 0;
  for (;;) {
    if (b[p] !== QUOTE) return false;
    const keyEnd = stringEnd(b, p, to);
    if (keyEnd < 0) return false;
    const len = keyEnd - p - 1;
    let which = -1;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as Uint8Array;
      if (name.length === len && ranges[2 * i] === -1 && sameBytes(b, p + 1, name)) {
        which = i;
        break;
      }
    }
    p = keyEnd + 1;
    if (b[p] !== COLON) return false;
    p++;
    const end = valueEnd(b, p, to);
    if (end < 0) return false;
    if (which >= 0) {
      ranges[2 * which] = p;
      ranges[2 * which + 1] = end;
      if (++found === names.length) return true;
    }
    p = end;
    if (b[p] === COMMA) p++;
    else return b[p] === CLOSE_BRACE && p + 1 === to;
  }
}
