import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeCp1252, detectFormat, readBeirCorpus, readFolder, readJsonl, readJsonlLines, readXllm } from './readers';

const fixtures = path.join(__dirname, '..', 'test', 'fixtures');

describe('readJsonl', () => {
  it('keeps good lines, defaults missing lists and reports bad lines by 1-based number and field', () => {
    const text = [
      '{"id": "a", "title": "Alpha", "text": "first", "category": ["X", "Y"], "tags": [" solo "], "links": [{"url": "http://x/b", "text": "B", "kind": "see-also"}, {"url": "http://x/c"}]}',
      '{"id": "7", "text": "string id"}',
      '',
      '{"id": "broken", "title": ',
      '[1, 2]',
      '{"title": "no id"}',
      '{"id": "c", "title": "Charlie", "tags": [1]}',
      '{"id": "d", "title": "Delta", "category": "notarray"}',
      '{"id": "e", "title": "Echo", "meta": {"source": "s"}, "headings": ["H"], "parent": "a", "acl": ["team-a"]}',
      '{"id": "f", "title": 3}',
      '{"id": "g", "title": "Golf", "categroy": ["X"]}',
      '{"_id": "h", "text": "BEIR-style line"}',
    ].join('\r\n');
    const { entities, errors } = readJsonl(text);
    expect(entities).toEqual([
      {
        id: 'a',
        title: 'Alpha',
        text: 'first',
        category: ['X', 'Y'],
        tags: ['solo'],
        links: [
          { url: 'http://x/b', text: 'B', kind: 'see-also' },
          { url: 'http://x/c', text: '' },
        ],
      },
      { id: '7', title: '', text: 'string id', category: [], tags: [], links: [] },
      { id: 'e', title: 'Echo', text: '', category: [], tags: [], links: [], headings: ['H'], parent: 'a', meta: { source: 's' }, acl: ['team-a'] },
    ]);
    expect(errors).toEqual([
      { line: 4, message: expect.stringMatching(/^malformed JSON/) },
      { line: 5, message: '(root): expected object, received array' },
      { line: 6, message: 'id: expected string, received undefined' },
      { line: 7, message: 'tags.0: expected string, received number' },
      { line: 8, message: 'category: expected array, received string' },
      { line: 10, message: 'title: expected string, received number' },
      { line: 11, message: 'categroy: unknown field' },
      { line: 12, message: 'id: expected string, received undefined; _id: unknown field' },
    ]);
  });

  it('reads a stream of lines the same as the whole text', async () => {
    const lines = ['{"id": "a", "title": "Alpha"}', '{"id": "b", "title": 3}', '', '{"id": "c", "text": "Charlie", "links": "x"}'];
    const whole = readJsonl(lines.join('\n'));
    const streamed = await readJsonlLines(
      (async function* () {
        yield* lines;
      })(),
    );
    expect(streamed).toEqual(whole);
    expect(whole.errors).toEqual([
      { line: 2, message: 'title: expected string, received number' },
      { line: 4, message: 'links: expected array, received string' },
    ]);
  });
});

describe('readBeirCorpus', () => {
  it('reads _id, title and text', () => {
    const text = '{"_id": "4983", "title": "Microstructural development", "text": "Alterations of the architecture.", "metadata": {}}\n{"_id": "5836", "title": "", "text": "Second."}\n';
    expect(readBeirCorpus(text)).toEqual([
      { id: '4983', title: 'Microstructural development', text: 'Alterations of the architecture.', category: [], tags: [], links: [] },
      { id: '5836', title: '', text: 'Second.', category: [], tags: [], links: [] },
    ]);
  });

  it('throws on a bad line, naming it', () => {
    expect(() => readBeirCorpus('{"_id": "1", "text": "ok"}\n{"title": "no id"}')).toThrow('BEIR corpus line 2');
  });
});

describe('decodeCp1252', () => {
  it('maps 0x80..0x9F to the typographic characters and the rest like Latin-1', () => {
    expect(decodeCp1252(Uint8Array.from([0x80, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x41, 0xe9, 0xff, 0x81]))).toBe('€’“”–—™Aéÿ\u0081');
  });

  it('decodes long inputs', () => {
    const buf = new Uint8Array(100000).fill(0x80);
    expect(decodeCp1252(buf)).toBe('€'.repeat(100000));
  });
});

describe('readXllm', () => {
  const text = decodeCp1252(fs.readFileSync(path.join(fixtures, 'xllm', 'repository-sample.txt')));

  it('maps the fields, drops duplicate lines and reports bad ones', () => {
    const { entities, duplicates, errors } = readXllm(text);
    expect(duplicates).toBe(1);
    expect(errors).toEqual([
      { line: 4, message: expect.stringMatching(/expected ',' or '}'/) },
      { line: 5, message: 'expected "ID~~{...}"' },
    ]);
    expect(entities).toEqual([
      {
        id: '0',
        title: 'Dataset – Blob Storage',
        text: 'Maps files on “Blob” storage.\nSecond line.',
        category: ['Eng. Store 1.0'],
        tags: ['Datasets', 'Templates', 'ADLS'],
        links: [],
        meta: { tower: 'Data' },
      },
      {
        id: '1',
        title: "Partner's Guide",
        text: "The company's policy and the partners' rules.",
        category: ['Governance'],
        tags: [],
        links: [],
      },
      { id: '4', title: 'Café € pricing', text: 'Cost in €.', category: ['Finance'], tags: ['Finance'], links: [], meta: { tower: 'Business' } },
    ]);
  });
});

describe('readFolder', () => {
  it('reads HTML recursively with root-relative ids and links between files as ids', async () => {
    const entities = await readFolder(path.join(fixtures, 'site'), 'html');
    expect(entities.map((e) => e.id)).toEqual(['/guide/install.html', '/guide/other page.html', '/index.html']);
    const [install, other, index] = entities;
    expect(install).toMatchObject({ title: 'Install', category: ['Handbook'], text: 'Install\nRun the installer.\nSee also\nBack to the handbook and the other page' });
    expect(install?.url).toBeUndefined();
    expect(install?.links).toEqual([
      { url: '/index.html', text: 'Back to the handbook', kind: 'see-also' },
      { url: '/guide/other page.html', text: 'the other page', kind: 'see-also' },
    ]);
    expect(other?.category).toEqual(['guide']);
    expect(index?.links).toEqual([
      { url: '/guide/install.html', text: 'the install guide', kind: 'body' },
      { url: 'https://example.org/ext', text: 'elsewhere', kind: 'body' },
    ]);
  });

  it('reads Markdown: front matter, headings outside code, links and folder category', async () => {
    const entities = await readFolder(path.join(fixtures, 'md'), 'markdown');
    expect(entities.map((e) => e.id)).toEqual(['/README.md', '/guide/setup.md']);
    const [readme, setup] = entities;
    expect(readme).toMatchObject({ title: 'Project notes', category: [], headings: ['Project notes', 'Setext heading'] });
    expect(readme?.links).toEqual([
      { url: '/guide/setup.md', text: 'setup', kind: 'body' },
      { url: 'https://example.org/a', text: 'the site', kind: 'body' },
      { url: '/guide/setup.md', text: 'reference link', kind: 'body' },
    ]);
    expect(readme?.text.split('\n')).toEqual([
      'Project notes',
      'Welcome to the notes. See setup and the site.',
      'Setext heading',
      'item with code',
      'item with a reference link',
    ]);
    expect(setup).toMatchObject({
      title: 'Setting up',
      category: ['guide'],
      tags: ['install', 'setup'],
      headings: ['Steps', 'Troubleshooting'],
      meta: { description: 'How to set things up' },
      links: [{ url: '/README.md', text: 'back', kind: 'body' }],
    });
    expect(setup?.text).toContain('# not a heading');
    expect(setup?.text).toContain('Second diagram');
  });
});

describe('detectFormat', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crawler-detect-'));
    fs.mkdirSync(path.join(tmp, 'beir'));
    fs.writeFileSync(path.join(tmp, 'beir', 'corpus.jsonl'), '');
    fs.writeFileSync(path.join(tmp, 'repo.txt'), "0~~{'title_text': 'x'}\n");
    fs.writeFileSync(path.join(tmp, 'plain.txt'), 'hello\n');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('detects by scheme, folder content, name and first line', () => {
    expect(detectFormat('https://x.org/docs/')).toBe('url');
    expect(detectFormat(path.join(fixtures, 'site'))).toBe('html');
    expect(detectFormat(path.join(fixtures, 'md'))).toBe('markdown');
    expect(detectFormat(path.join(tmp, 'beir'))).toBe('beir');
    expect(detectFormat('data/corpus.jsonl')).toBe('beir');
    expect(detectFormat('dump.jsonl')).toBe('jsonl');
    expect(detectFormat('page.HTM')).toBe('html');
    expect(detectFormat('notes.markdown')).toBe('markdown');
    expect(detectFormat(path.join(tmp, 'repo.txt'))).toBe('xllm');
    expect(() => detectFormat(path.join(tmp, 'plain.txt'))).toThrow(/Cannot tell the format/);
  });
});
