import { canonicalizeUrl, urlToId } from './url';

describe('canonicalizeUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a/./b/../c.html#frag', 'http://example.com/a/c.html'],
    ['https://example.com:443', 'https://example.com/'],
    ['https://example.com:8443/x', 'https://example.com:8443/x'],
    ['http://example.com/p?b=2&a=1&utm_source=n&UTM_Medium=m&a=0', 'http://example.com/p?a=1&a=0&b=2'],
    ['http://example.com/p?utm_campaign=x', 'http://example.com/p'],
    ['http://example.com/p?q=a%20b&p=c+d', 'http://example.com/p?p=c+d&q=a%20b'],
    ['http://user:pw@example.com./x', 'http://example.com/x'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalizeUrl(raw)).toBe(expected);
  });

  it('resolves relative references against a base', () => {
    expect(canonicalizeUrl('../up.html?x=1#y', 'http://a.org/d1/d2/page.html')).toBe('http://a.org/d1/up.html?x=1');
    expect(canonicalizeUrl('//cdn.org/z', 'https://a.org/')).toBe('https://cdn.org/z');
  });

  it('rejects non-http schemes and garbage', () => {
    for (const raw of ['mailto:a@b.c', 'javascript:alert(1)', 'ftp://x.org/', 'data:text/html,hi', 'http://', 'not a url']) {
      expect(canonicalizeUrl(raw)).toBeNull();
    }
    expect(canonicalizeUrl('file:///a/b.html')).toBeNull();
    expect(canonicalizeUrl('file:///a/b.html', undefined, true)).toBe('file:///a/b.html');
  });

  it('is idempotent', () => {
    const once = canonicalizeUrl('HTTP://X.org:80/a/../b?z=1&a=%41#f') as string;
    expect(canonicalizeUrl(once)).toBe(once);
  });
});

describe('urlToId', () => {
  it('is the decoded path plus query', () => {
    expect(urlToId('https://x.org/docs/sql-select.html')).toBe('/docs/sql-select.html');
    expect(urlToId('https://x.org/my%20file.html?a=1')).toBe('/my file.html?a=1');
  });
});
