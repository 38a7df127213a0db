import type { Entity, EntityLink } from '@lexigraph/contracts';

interface Section {
  heading: string | null;
  lines: string[];
  size: number;
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Cuts one over-long line at whitespace (or hard, when there is none) into pieces of at most `max` chars. */
function cutLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut <= max / 2) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * Splits a long entity at its headings: the text is cut where a line equals the next heading (in order), and
 * consecutive sections are packed greedily into chunks of at most `maxChars` characters (a section longer
 * than that is cut between lines, a single over-long line at whitespace). Each chunk becomes an entity with
 * id `${e.id}#${n}` (n from 1), `parent` = e.id, the page's url, category, tags, meta and acl, the headings and
 * terms found in it, the links whose anchor text it contains (links found nowhere go to the first chunk), and
 * the title "Page title — first heading of the chunk" (the first chunk keeps the page title).
 * Entities whose text is at most `maxChars` long come back unchanged as `[e]`.
 */
export function splitSections(e: Entity, maxChars = 4000): Entity[] {
  if (e.text.length <= maxChars) return [e];
  const max = Math.max(200, maxChars);
  const headings = e.headings ?? [];
  const sections: Section[] = [{ heading: null, lines: [], size: 0 }];
  let next = 0;
  for (const line of e.text.split('\n')) {
    if (next < headings.length && collapse(line) === headings[next]) {
      sections.push({ heading: headings[next] ?? null, lines: [], size: 0 });
      next++;
    }
    const cur = sections[sections.length - 1] as Section;
    for (const piece of line.length > max ? cutLine(line, max) : [line]) {
      cur.lines.push(piece);
      cur.size += piece.length + 1;
    }
  }
  // Pack sections into chunks; invariant: every chunk but an over-long section's pieces stays <= max chars.
  const chunks: Section[] = [];
  let chunk: Section | null = null;
  for (const s of sections) {
    if (s.lines.length === 0) continue;
    if (chunk && chunk.size + s.size <= max) {
      chunk.lines.push(...s.lines);
      chunk.size += s.size;
      continue;
    }
    chunk = { heading: s.heading, lines: [], size: 0 };
    chunks.push(chunk);
    for (const line of s.lines) {
      if (chunk.size + line.length + 1 > max && chunk.lines.length > 0) {
        chunk = { heading: s.heading, lines: [], size: 0 };
        chunks.push(chunk);
      }
      chunk.lines.push(line);
      chunk.size += line.length + 1;
    }
  }
  if (chunks.length <= 1) return [e];
  const texts = chunks.map((c) => c.lines.join('\n'));
  const linkHome: EntityLink[][] = chunks.map(() => []);
  for (const link of e.links) {
    const at = link.text ? texts.findIndex((t) => t.includes(link.text)) : -1;
    (linkHome[at >= 0 ? at : 0] as EntityLink[]).push(link);
  }
  const terms = e.terms ?? [];
  return chunks.map((c, i) => {
    const lineSet = new Set(c.lines.map(collapse));
    const out: Entity = {
      id: `${e.id}#${i + 1}`,
      title: i === 0 || !c.heading || c.heading === e.title ? e.title : `${e.title} — ${c.heading}`,
      text: texts[i] as string,
      headings: headings.filter((h) => lineSet.has(h)),
      terms: terms.filter((t) => lineSet.has(t)),
      category: [...e.category],
      tags: [...e.tags],
      links: linkHome[i] as EntityLink[],
      parent: e.id,
    };
    if (e.url !== undefined) out.url = e.url;
    if (e.meta) out.meta = { ...e.meta };
    if (e.acl) out.acl = [...e.acl];
    return out;
  });
}
