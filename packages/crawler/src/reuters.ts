import type { Entity } from '@lexigraph/contracts';

/**
 * Reader for the Reuters-21578 news collection in its XML rendering of the original SGML (`reut2-NNN.xml`): one
 * `<REUTERS TOPICS=".." LEWISSPLIT=".." CGISPLIT=".." OLDID=".." NEWID="..">` element per story, with `<TOPICS>`,
 * `<PLACES>`, `<PEOPLE>`, `<ORGS>`, `<EXCHANGES>` label lists (`<D>label</D>` items) and a `<TEXT>` holding
 * `<TITLE>`, `<DATELINE>` and `<BODY>` (or raw text when `TYPE="UNPROC"`).
 *
 * Each story becomes an entity: id = NEWID, title, text = the body (without the closing "Reuter" signature),
 * category = the story's TOPICS labels in document order. Reuters topics are a flat, multi-label set, so for this
 * collection `category` is a label set rather than a path from a root. The split attributes and the other label
 * lists are kept in `meta` (`lewissplit`, `topicsAttr`, `cgisplit`, `oldid`, `date`, and `places`, `people`,
 * `orgs`, `exchanges` joined with ";").
 */
export function readReuters(xml: string): Entity[] {
  const out: Entity[] = [];
  const story = /<REUTERS\b([^>]*)>([\s\S]*?)<\/REUTERS>/g;
  for (let m = story.exec(xml); m; m = story.exec(xml)) {
    const attrs = attributes(m[1] as string);
    const body = m[2] as string;
    const id = attrs.NEWID;
    if (!id) throw new Error(`reuters: a <REUTERS> element without NEWID at offset ${m.index}`);
    const text = element(body, 'TEXT') ?? '';
    const title = decodeEntities(element(text, 'TITLE') ?? '').replace(/\s+/g, ' ').trim();
    let main = element(text, 'BODY');
    if (main === undefined) {
      // UNPROC and BRIEF stories: the TEXT content itself, without the tagged parts
      main = text.replace(/<(TITLE|DATELINE|AUTHOR)>[\s\S]*?<\/\1>/g, '');
    }
    const meta: Record<string, string> = {
      lewissplit: attrs.LEWISSPLIT ?? '',
      topicsAttr: attrs.TOPICS ?? '',
      cgisplit: attrs.CGISPLIT ?? '',
      oldid: attrs.OLDID ?? '',
      date: decodeEntities(element(body, 'DATE') ?? '').trim(),
    };
    for (const list of ['PLACES', 'PEOPLE', 'ORGS', 'EXCHANGES']) meta[list.toLowerCase()] = labels(body, list).join(';');
    out.push({
      id,
      title,
      text: decodeEntities(main)
        .replace(/\s*\bReuter\s*$/, '')
        .trim(),
      category: labels(body, 'TOPICS'),
      tags: [],
      links: [],
      meta,
    });
  }
  return out;
}

/**
 * The "ModApte" split used by most published results on Reuters-21578: stories with TOPICS="YES" and at least one
 * topic, LEWISSPLIT="TRAIN" for training and LEWISSPLIT="TEST" for testing (7,775 and 3,019 stories on the full
 * collection). Other stories are left out.
 */
export function modApteSplit(entities: readonly Entity[]): { train: Entity[]; test: Entity[] } {
  const train: Entity[] = [];
  const test: Entity[] = [];
  for (const e of entities) {
    if (e.meta?.topicsAttr !== 'YES' || e.category.length === 0) continue;
    if (e.meta.lewissplit === 'TRAIN') train.push(e);
    else if (e.meta.lewissplit === 'TEST') test.push(e);
  }
  return { train, test };
}

function attributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out[m[1] as string] = decodeEntities(m[2] as string);
  return out;
}

/** Content of the first `<tag ...>…</tag>` in `s`, undefined when absent. */
function element(s: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(s);
  return m ? m[1] : undefined;
}

/** The `<D>` items of a label list element, trimmed, in order. */
function labels(s: string, tag: string): string[] {
  const inner = element(s, tag);
  if (!inner) return [];
  const out: string[] = [];
  const re = /<D>([\s\S]*?)<\/D>/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) {
    const v = decodeEntities(m[1] as string).trim();
    if (v) out.push(v);
  }
  return out;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML character references and the five predefined entities; control characters left by the SGML are dropped. */
function decodeEntities(s: string): string {
  return s
    .replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, ref: string) => {
      if (ref[0] !== '#') return NAMED[ref] as string;
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code < 32 && code !== 9 && code !== 10 && code !== 13 ? ' ' : String.fromCodePoint(code);
    })
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ');
}
