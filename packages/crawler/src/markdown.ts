import type { Entity, EntityLink } from '@lexigraph/contracts';
import { canonicalizeUrl, urlToId } from './url';

export interface MarkdownOptions {
  /** Entity id, e.g. "/guide/install.md"; relative links resolve against it. */
  id: string;
  /** Category path, e.g. the folder path ["guide"]. Default []. */
  category?: string[];
}

interface FrontMatter {
  fields: Record<string, string>;
  tags: string[];
  body: string;
}

function unquote(v: string): string {
  const t = v.trim();
  return /^(['"]).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/** A small YAML-subset reader: `key: value`, `key: [a, b]` and `- item` lists under a key. */
function frontMatter(md: string): FrontMatter {
  const fields: Record<string, string> = {};
  const tags: string[] = [];
  const m = /^(?:\uFEFF)?---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)/.exec(md);
  if (!m) return { fields, tags, body: md };
  let listKey = '';
  for (const line of (m[1] ?? '').split(/\r?\n/)) {
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey) {
      if (listKey === 'tags' || listKey === 'keywords') tags.push(unquote(item[1] ?? ''));
      continue;
    }
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = (kv[1] ?? '').toLowerCase();
    const value = (kv[2] ?? '').trim();
    listKey = value === '' ? key : '';
    if (value.startsWith('[') && value.endsWith(']')) {
      const items = value.slice(1, -1).split(',').map(unquote).filter(Boolean);
      if (key === 'tags' || key === 'keywords') tags.push(...items);
      continue;
    }
    if (value) fields[key] = unquote(value);
  }
  return { fields, tags: tags.filter(Boolean), body: md.slice(m[0].length) };
}

function resolveLink(target: string, id: string): string | null {
  const t = target.trim().replace(/^<|>$/g, '').split(/\s+/)[0] ?? '';
  if (!t || t.startsWith('#')) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(t)) return canonicalizeUrl(t);
  const base = 'file:///' + id.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
  const abs = canonicalizeUrl(t, base, true);
  return abs ? urlToId(abs) : null;
}

/** Inline Markdown to plain text: links and images keep their text, emphasis and code marks go. */
function inlineText(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Converts a Markdown document to an entity: title from front matter `title`, else the first `#` heading,
 * else the id's file name; headings from ATX (`#`) and setext lines outside code fences; links from
 * `[text](url)` and reference links (relative targets become ids like "/guide/other.md", absolute ones
 * canonical URLs); tags from front matter `tags`/`keywords`; meta.description from front matter.
 */
export function markdownToEntity(md: string, opts: MarkdownOptions): Entity {
  const fm = frontMatter(md);
  const rawLines = fm.body.split(/\r?\n/);
  const refs = new Map<string, string>();
  for (const line of rawLines) {
    const d = /^\s{0,3}\[([^\]]+)\]:\s*(\S+)/.exec(line);
    if (d) refs.set((d[1] ?? '').toLowerCase(), d[2] ?? '');
  }
  const headings: string[] = [];
  const links: EntityLink[] = [];
  const out: string[] = [];
  let fence: string | null = null;
  let firstH1: string | null = null;
  const addLinks = (line: string): void => {
    for (const m of line.matchAll(/(!?)\[([^\]]*)\]\(([^)]*)\)/g)) {
      if (m[1]) continue; // image
      const url = resolveLink(m[3] ?? '', opts.id);
      if (url) links.push({ url, text: inlineText(m[2] ?? ''), kind: 'body' });
    }
    for (const m of line.matchAll(/\[([^\]]+)\]\[([^\]]*)\]/g)) {
      const key = ((m[2] || m[1]) ?? '').toLowerCase();
      const target = refs.get(key);
      const url = target ? resolveLink(target, opts.id) : null;
      if (url) links.push({ url, text: inlineText(m[1] ?? ''), kind: 'body' });
    }
  };
  for (let i = 0; i < rawLines.length; i++) {
    const line = rawLines[i] as string;
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fenceMark) {
      if (fence === null) fence = fenceMark[0] as string;
      else if (fenceMark[0] === fence) fence = null;
      continue;
    }
    if (fence !== null) {
      out.push(line.trim());
      continue;
    }
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line)) continue;
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      const h = inlineText(atx[2] ?? '');
      if (h) {
        headings.push(h);
        if (atx[1] === '#' && firstH1 === null) firstH1 = h;
        out.push(h);
      }
      addLinks(line);
      continue;
    }
    const nextLine = rawLines[i + 1] ?? '';
    if (line.trim() && /^\s{0,3}(=+|-+)\s*$/.test(nextLine) && !/^\s*[-*+]\s/.test(line)) {
      const h = inlineText(line);
      headings.push(h);
      if (/=/.test(nextLine) && firstH1 === null) firstH1 = h;
      out.push(h);
      addLinks(line);
      i++;
      continue;
    }
    addLinks(line);
    const stripped = line
      .replace(/^\s*>\s?/, '')
      .replace(/^\s*([-*+]|\d+[.)])\s+/, '')
      .replace(/^\s*\|/, '')
      .replace(/\|\s*$/, '')
      .replace(/\s*\|\s*/g, ' ');
    if (/^\s*([-*_]\s*){3,}$/.test(line) || /^[\s|:-]+$/.test(stripped)) continue;
    out.push(inlineText(stripped));
  }
  const text = out.filter((l) => l.length > 0).join('\n');
  const fileName = opts.id.split('/').pop() ?? opts.id;
  const entity: Entity = {
    id: opts.id,
    title: fm.fields.title ?? firstH1 ?? headings[0] ?? fileName.replace(/\.(md|markdown)$/i, ''),
    text,
    headings,
    terms: [],
    category: opts.category ?? [],
    tags: fm.tags,
    links,
  };
  if (fm.fields.description) entity.meta = { description: fm.fields.description };
  return entity;
}
