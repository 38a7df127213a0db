import { parsePythonLiteral, PythonLiteralError } from './python-literal';

describe('parsePythonLiteral', () => {
  it('parses scalars', () => {
    expect(parsePythonLiteral('True')).toBe(true);
    expect(parsePythonLiteral('False')).toBe(false);
    expect(parsePythonLiteral('None')).toBeNull();
    expect(parsePythonLiteral('-12')).toBe(-12);
    expect(parsePythonLiteral('3.5e2')).toBe(350);
    expect(parsePythonLiteral('.5')).toBe(0.5);
    expect(parsePythonLiteral('1_000')).toBe(1000);
    expect(parsePythonLiteral('0x1F')).toBe(31);
  });

  it('parses strings with both quote kinds and escapes', () => {
    expect(parsePythonLiteral(`'it\\'s "quoted"'`)).toBe(`it's "quoted"`);
    expect(parsePythonLiteral(`"say \\"hi\\" and 'bye'"`)).toBe(`say "hi" and 'bye'`);
    expect(parsePythonLiteral(`'tab\\tnl\\nback\\\\slash'`)).toBe('tab\tnl\nback\\slash');
    expect(parsePythonLiteral(`'\\x41\\u00e9\\U0001F600\\101'`)).toBe('Aé😀A');
    expect(parsePythonLiteral(`'keep \\d unknown'`)).toBe('keep \\d unknown');
    expect(parsePythonLiteral(`r'raw\\n'`)).toBe('raw\\n');
    expect(parsePythonLiteral(`'''triple 'quoted'\nstring'''`)).toBe("triple 'quoted'\nstring");
    expect(parsePythonLiteral(`'con' "cat"`)).toBe('concat');
  });

  it('reads an unescaped apostrophe followed by a word as text (lenient)', () => {
    expect(parsePythonLiteral(`{'d': 'a company's assets and shareholders' equity', 'n': 1}`)).toEqual({
      d: "a company's assets and shareholders' equity",
      n: 1,
    });
  });

  it('parses nested containers with trailing commas', () => {
    expect(parsePythonLiteral(`{'a': [1, 2.0, (3, 'x'),], "b": {'c': None, 1: True}, 'e': [], 'f': {1, 2}}`)).toEqual({
      a: [1, 2, [3, 'x']],
      b: { c: null, '1': true },
      e: [],
      f: [1, 2],
    });
  });

  it('keeps a __proto__ key as data', () => {
    const v = parsePythonLiteral(`{'__proto__': {'polluted': True}}`) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["{'a': ", 'unexpected end of input'],
    ["{'a': 1, 'b'}", "expected ':' in dict"],
    ["'unterminated", 'unterminated string'],
    ['[1 2]', "expected ',' or ']'"],
    ['os.system("x")', 'unexpected character'],
    ["{'a': 1} extra", 'unexpected trailing characters'],
    ["'\\xZZ'", 'bad \\x escape'],
  ])('rejects %s', (src, message) => {
    expect(() => parsePythonLiteral(src)).toThrow(PythonLiteralError);
    expect(() => parsePythonLiteral(src)).toThrow(message);
  });

  it('bounds nesting depth', () => {
    expect(() => parsePythonLiteral('['.repeat(5000) + ']'.repeat(5000))).toThrow('nesting too deep');
  });
});
