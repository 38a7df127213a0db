import { findMembers, memberNames } from './jsonline';

function members(json: string, names: string[]): Array<unknown> {
  const b = new TextEncoder().encode(json);
  const r = new Float64Array(2 * names.length);
  if (!findMembers(b, 0, b.length, memberNames(names), r)) return ['not an object'];
  return names.map((_n, i) => (r[2 * i] === -1 ? undefined : JSON.parse(new TextDecoder().decode(b.subarray(r[2 * i], r[2 * i + 1])))));
}

describe('findMembers', () => {
  it('finds top-level members past strings with escaped quotes, backslashes, nested values and non-ASCII text', () => {
    const e = {
      text: 'a "quoted" \\ back\\slash\\\\", } ] { [ and “curly” — ünïcode 😀\nnewline',
      links: [{ url: 'http://x/"id":"no"', text: '{"id":"nested"}' }],
      meta: { id: 'inner', n: [1, [2, { id: 3 }]] },
      n: -1.5e3,
      ok: true,
      none: null,
      id: 'the "id"',
      url: 'http://docs.test/ü',
    };
    expect(members(JSON.stringify(e), ['id', 'url', 'acl', 'n', 'ok', 'none'])).toEqual(['the "id"', 'http://docs.test/ü', undefined, -1500, true, null]);
    expect(members('{}', ['id'])).toEqual([undefined]);
    expect(members('{"id":"x"}', ['id'])).toEqual(['x']);
  });

  it('refuses what is not a compact JSON object', () => {
    for (const bad of ['null', '[1]', '{"id":"x"', '{"id":"x}', '{"id" : "x"}', '{"id":}', '{"a":1,}', '{"a":[1}']) {
      expect(members(bad, ['zz'])).toEqual(['not an object']);
    }
  });
});
