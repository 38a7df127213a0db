/**
 * A parser for Python literals as written by `repr()` / `str()` of dicts: strings (single, double and triple
 * quotes; r/b/u prefixes; adjacent literals concatenated; all Python escapes but \N{name}), int and float
 * numbers (with sign, exponent, underscores, 0x/0o/0b), True/False/None, lists, tuples and sets (as arrays)
 * and dicts (as plain objects with stringified keys). It evaluates nothing.
 *
 * One leniency over Python: inside a single-line string, a quote that is not followed by a delimiter
 * (`, : } ] )`, another quote, a comment or the end) is taken as text, so `'a company's assets'` reads as
 * "a company's assets". Hand-edited exports contain such strings.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export class PythonLiteralError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at offset ${position}`);
    this.name = 'PythonLiteralError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07', '\n': '',
};
/** Nesting bound: a hostile line cannot overflow the stack. */
const MAX_NESTING = 200;

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new PythonLiteralError(msg, this.pos);
  }

  ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') {
        while (this.pos < this.s.length && this.s[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }

  value(depth: number): PyValue {
    if (depth > MAX_NESTING) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.seq(']', depth);
    if (c === '(') return this.seq(')', depth);
    if (c === "'" || c === '"') return this.strings();
    if (/[rRbBuU]/.test(c) && /['"]/.test(this.s[this.pos + 1] ?? '')) return this.strings();
    if (/[rRbB]/.test(c) && /[rRbB]/.test(this.s[this.pos + 1] ?? '') && /['"]/.test(this.s[this.pos + 2] ?? '')) return this.strings();
    if (/[-+.\d]/.test(c)) return this.number();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.s.startsWith(word, this.pos) && !/\w/.test(this.s[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  dict(depth: number): PyValue {
    this.pos++; // {
    const out: { [key: string]: PyValue } = {};
    let isSet = false;
    const setItems: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.pos] === '}') {
        this.pos++;
        return isSet ? setItems : out;
      }
      const key = this.value(depth + 1);
      this.ws();
      if (this.s[this.pos] === ':' && !isSet) {
        this.pos++;
        const v = this.value(depth + 1);
        const k = typeof key === 'string' ? key : JSON.stringify(key);
        // defineProperty: a "__proto__" key must stay data, not reach the prototype.
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      } else if (Object.keys(out).length === 0) {
        isSet = true;
        setItems.push(key);
      } else this.fail("expected ':' in dict");
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') this.pos++;
      else if (c !== '}') this.fail("expected ',' or '}'");
    }
  }

  seq(close: string, depth: number): PyValue[] {
    this.pos++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') this.pos++;
      else if (c !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  number(): number {
    const m = /^[-+]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?\.?[\d_]*([eE][-+]?\d+)?)/.exec(this.s.slice(this.pos, this.pos + 400));
    const raw = m?.[0] ?? '';
    if (!/\d/.test(raw)) this.fail('bad number');
    this.pos += raw.length;
    const clean = raw.replace(/_/g, '');
    const sign = clean.startsWith('-') ? -1 : 1;
    const body = clean.replace(/^[-+]/, '');
    const prefix = body.slice(0, 2).toLowerCase();
    if (prefix === '0x') return sign * parseInt(body.slice(2), 16);
    if (prefix === '0o') return sign * parseInt(body.slice(2), 8);
    if (prefix === '0b') return sign * parseInt(body.slice(2), 2);
    const n = Number(body);
    if (Number.isNaN(n)) this.fail('bad number');
    return sign * n;
  }

  /** Whether a string may end before offset `at`: what follows must be a delimiter or the end. */
  closes(at: number): boolean {
    let i = at;
    while (this.s[i] === ' ' || this.s[i] === '\t' || this.s[i] === '\r' || this.s[i] === '\n') i++;
    const c = this.s[i];
    return c === undefined || ',:}])\'"#'.includes(c);
  }

  /** One or more adjacent string literals, concatenated like Python does. */
  strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.ws();
      const c = this.s[this.pos] ?? '';
      const n1 = this.s[this.pos + 1] ?? '';
      if (c === "'" || c === '"' || (/[rRbBuU]/.test(c) && /['"]/.test(n1))) out += this.string();
      else {
        this.pos = save;
        return out;
      }
    }
  }

  string(): string {
    let raw = false;
    while (/[rRbBuU]/.test(this.s[this.pos] ?? '')) {
      if (/[rR]/.test(this.s[this.pos] ?? '')) raw = true;
      this.pos++;
    }
    const q = this.s[this.pos] as string;
    const triple = this.s.startsWith(q.repeat(3), this.pos);
    const delim = triple ? q.repeat(3) : q;
    this.pos += delim.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated string');
      if (this.s.startsWith(delim, this.pos)) {
        if (triple || this.closes(this.pos + 1)) {
          this.pos += delim.length;
          return out;
        }
        // Lenient: a quote followed by a word ("company's assets") cannot end a string in a literal, so it
        // is text. Hand-made exports contain such lines; strict Python would reject them.
        out += q;
        this.pos++;
        continue;
      }
      const c = this.s[this.pos] as string;
      if (c === '\n' && !triple) this.fail('newline in string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.s[this.pos + 1] ?? '';
      if (raw) {
        // In raw strings a backslash stays, but still keeps the next quote from closing the string.
        out += '\\' + e;
        this.pos += 2;
        continue;
      }
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.pos += 2;
      } else if (e === '\r') {
        this.pos += this.s[this.pos + 2] === '\n' ? 3 : 2; // line continuation with CRLF
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.pos + 2, this.pos + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail('code point out of range');
        out += String.fromCodePoint(cp);
        this.pos += 2 + len;
      } else if (/[0-7]/.test(e)) {
        const oct = /^[0-7]{1,3}/.exec(this.s.slice(this.pos + 1, this.pos + 4))?.[0] ?? e;
        out += String.fromCharCode(parseInt(oct, 8));
        this.pos += 1 + oct.length;
      } else {
        // Unknown escapes (e.g. "\d") keep their backslash, as in Python.
        out += '\\' + e;
        this.pos += 2;
      }
    }
  }
}

/** Parses one Python literal; the whole input must be consumed (trailing whitespace and comments allowed). */
export function parsePythonLiteral(text: string): PyValue {
  const p = new Parser(text);
  const v = p.value(0);
  p.ws();
  if (p.pos < text.length) p.fail('unexpected trailing characters');
  return v;
}
