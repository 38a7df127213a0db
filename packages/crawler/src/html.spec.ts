import fs from 'node:fs';
import path from 'node:path';
import { extractLinks, htmlToEntity } from './html';

const page = `<!doctype html>
<html><head>
  <title> Configuring   the Server </title>
  <meta name="description" content="How to configure it.">
  <style>.x { color: red }</style>
  <script>var notText = 1;</script>
</head><body>
  <header><a href="/">Site home</a><p>Banner text</p></header>
  <nav><a href="/menu">Menu link</a> Menu text</nav>
  <div role="navigation"><a href="/side">Side nav</a></div>
  <ol class="breadcrumbs"><li><a href="/">Home</a></li><li><a href="/admin/">Administration</a></li><li><a href="/admin/setup/">Setup</a></li><li>Configuring the Server</li></ol>
  <main>
    <article>
      <header><h1>Configuring <em>the</em> Server</h1></header>
      <p>First   paragraph with a <a href="../guide/./params.html?b=2&utm_source=x&a=1#frag">parameter list</a>.</p>
      <h2>Settings</h2>
      <dl><dt>shared_buffers</dt><dd>Memory for caching.</dd><dt>work_mem</dt><dd>Memory per sort.</dd></dl>
      <pre>line one
    indented two</pre>
      <table><tr><td>cell A</td><td>cell B</td></tr></table>
      <p>Break<br>here</p>
      <aside><p>Aside text</p><a href="/aside-link">aside link</a></aside>
      <section class="see-also"><h3>See also</h3><ul><li><a href="/admin/logging.html">Logging</a></li></ul></section>
      <h2>Related topics</h2>
      <ul><li><a href="https://Example.COM:443/tuning">Tuning</a></li></ul>
      <h2>Next steps</h2>
      <p>Read <a href="/next.html">the next page</a> or <a href="mailto:x@y.z">mail</a> or <a href="#top">top</a>.</p>
    </article>
  </main>
  <footer><a href="/legal">Legal</a> Footer text</footer>
</body></html>`;

describe('htmlToEntity', () => {
  const e = htmlToEntity(page, 'HTTPS://Docs.Example.org:443/admin/setup/config.html#x');

  it('takes url, id, title, description and breadcrumb category', () => {
    expect(e.url).toBe('https://docs.example.org/admin/setup/config.html');
    expect(e.id).toBe('/admin/setup/config.html');
    expect(e.title).toBe('Configuring the Server');
    expect(e.meta).toEqual({ description: 'How to configure it.' });
    expect(e.category).toEqual(['Administration', 'Setup']);
  });

  it('keeps main content text with blocks on their own lines and drops chrome', () => {
    const lines = e.text.split('\n');
    expect(lines[0]).toBe('Configuring the Server');
    expect(lines).toContain('First paragraph with a parameter list.');
    expect(lines).toContain('line one');
    expect(lines).toContain('indented two');
    expect(lines).toContain('cell A cell B');
    expect(lines).toContain('Break');
    expect(lines).toContain('here');
    for (const gone of ['Banner', 'Menu', 'Side nav', 'Footer', 'Aside text', 'notText', 'color: red', 'Home']) {
      expect(e.text).not.toContain(gone);
    }
  });

  it('collects headings and definition terms in order', () => {
    expect(e.headings).toEqual(['Configuring the Server', 'Settings', 'See also', 'Related topics', 'Next steps']);
    expect(e.terms).toEqual(['shared_buffers', 'work_mem']);
  });

  it('resolves body links to canonical URLs and marks see-also regions', () => {
    expect(e.links).toEqual([
      { url: 'https://docs.example.org/admin/guide/params.html?a=1&b=2', text: 'parameter list', kind: 'body' },
      { url: 'https://docs.example.org/aside-link', text: 'aside link', kind: 'body' },
      { url: 'https://docs.example.org/admin/logging.html', text: 'Logging', kind: 'see-also' },
      { url: 'https://example.com/tuning', text: 'Tuning', kind: 'see-also' },
      { url: 'https://docs.example.org/next.html', text: 'the next page', kind: 'body' },
    ]);
  });

  it('uses idFor and falls back to the first h1 when there is no <title>', () => {
    const x = htmlToEntity('<body><h1>Only <b>heading</b></h1><p>x</p></body>', 'http://a.b/c/d?q=1', { idFor: (u) => 'ID:' + u });
    expect(x.id).toBe('ID:http://a.b/c/d?q=1');
    expect(x.title).toBe('Only heading');
    expect(x.category).toEqual([]);
  });

  it('takes the category from <link rel="up">', () => {
    const x = htmlToEntity('<html><head><title>T</title><link rel="up" title="Chapter 5" href="ch5.html"></head><body><p>x</p></body></html>', 'http://a.b/x.html');
    expect(x.category).toEqual(['Chapter 5']);
  });
});

describe('htmlToEntity drops permalink marks', () => {
  // Markup as Sphinx, Hugo and GitHub-style generators write it beside headings and terms.
  const marked = `<!doctype html><html><head><title>dataclasses — Data Classes</title></head><body><main>
    <h1>dataclasses — Data Classes<a class="headerlink" href="#module-dataclasses" title="Permalink to this headline">¶</a></h1>
    <p>This module provides a decorator.</p>
    <h2 id="fields">Module contents <a class="anchor" href="#fields">#</a></h2>
    <dl><dt id="dataclasses.field">dataclasses.field(*, default)<a class="headerlink" href="#dataclasses.field">¶</a></dt>
    <dd>Field options. See <a href="#fields">Module contents</a> and <a href="https://c.test/c%23.html">C#</a>.</dd></dl>
    <h3>Mutable defaults<span class="permalink">§</span></h3>
    <h3>Post-init processing <a href="#post-init" aria-label="link">🔗</a></h3>
    <p>Text ending in a bare mark ¶</p>
    <ul><li><p>Fix a crash (A. Author) <a class="ulink" href="https://git.test/c/5fe0ab420">§</a></p></li></ul>
    <h2>Notes on C#</h2>
  </main></body></html>`;

  it('keeps headings, terms and text without ¶, §, # or link-symbol anchors', () => {
    const e = htmlToEntity(marked, 'https://docs.pyrite.test/library/dataclasses.html');
    expect(e.headings).toEqual(['dataclasses — Data Classes', 'Module contents', 'Mutable defaults', 'Post-init processing', 'Notes on C#']);
    expect(e.terms).toEqual(['dataclasses.field(*, default)']);
    expect(e.text).not.toMatch(/[¶§🔗]/u);
    expect(e.text).not.toMatch(/ #$/m);
    // a real link's text stays, even when it ends in "#"
    expect(e.text).toContain('Module contents and C#.');
    expect(e.text).toContain('Text ending in a bare mark');
    // a commit link whose text is only "§" is decoration too
    expect(e.text).toContain('Fix a crash (A. Author)\n');
  });
});

describe('htmlToEntity on a PostgreSQL documentation page', () => {
  const html = fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'pg15', 'sql-delete.html'), 'utf8');
  const e = htmlToEntity(html, 'http://127.0.0.1:8080/sql-delete.html');

  it('keeps the body, drops the navigation header and footer, and takes the "Up" chapter as category', () => {
    expect(e.id).toBe('/sql-delete.html');
    expect(e.title).toBe('DELETE');
    expect(e.category).toEqual(['SQL Commands']);
    expect(e.text.startsWith('DELETE\nDELETE — delete rows of a table\nSynopsis')).toBe(true);
    expect(e.text).toContain('DELETE deletes rows that satisfy the WHERE clause from the specified table.');
    expect(e.text).not.toMatch(/\bPrev\b|\bNext\b|\bHome\b|\bUp\b/);
    expect(e.headings).toEqual(expect.arrayContaining(['Synopsis', 'Description', 'Parameters', 'Examples', 'See Also']));
    expect(e.terms).toContain('table_name');
    expect(e.terms).toContain('output_expression');
  });

  it('links body references, marks See Also, and skips navigation links', () => {
    const urls = e.links.map((l) => l.url);
    expect(e.links.filter((l) => l.kind === 'see-also')).toEqual([
      { url: 'http://127.0.0.1:8080/sql-truncate.html', text: 'TRUNCATE', kind: 'see-also' },
    ]);
    expect(e.links).toContainEqual({ url: 'http://127.0.0.1:8080/queries-with.html', text: 'Section 7.8', kind: 'body' });
    // Prev/Next/Up/Home live only in the navigation tables.
    expect(e.links.some((l) => ['Prev', 'Next', 'Up', 'Home'].includes(l.text))).toBe(false);
    expect(urls).not.toContain('http://127.0.0.1:8080/index.html');
    expect(urls).not.toContain('http://127.0.0.1:8080/sql-commands.html');
  });

  it('gives the crawler every link, navigation included', () => {
    const links = extractLinks(html, 'http://127.0.0.1:8080/sql-delete.html');
    expect(links).toEqual(
      expect.arrayContaining([
        'http://127.0.0.1:8080/sql-commands.html',
        'http://127.0.0.1:8080/index.html',
        'http://127.0.0.1:8080/sql-declare.html',
        'http://127.0.0.1:8080/sql-discard.html',
        'http://127.0.0.1:8080/sql-truncate.html',
      ]),
    );
    expect(new Set(links).size).toBe(links.length);
  });
});

describe('extractLinks', () => {
  it('resolves against <base>, canonicalizes, dedupes and drops non-http and nofollow links', () => {
    const html = `<head><base href="http://x.org/docs/"></head><body>
      <a href="a.html#1">a</a><a href="a.html#2">a again</a><a href="../b.html?z=1&y=2">b</a>
      <a href="javascript:void(0)">js</a><a href="mailto:a@b.c">mail</a><a rel="nofollow" href="/nf">nf</a>
      <map><area href="/area.html"></map><a>no href</a></body>`;
    expect(extractLinks(html, 'http://other.org/')).toEqual(['http://x.org/docs/a.html', 'http://x.org/b.html?y=2&z=1', 'http://x.org/area.html']);
  });

  it('returns nothing for a robots nofollow page', () => {
    expect(extractLinks('<meta name="robots" content="noindex, nofollow"><a href="/x">x</a>', 'http://a.b/')).toEqual([]);
  });
});
