import type { Entity } from './entity';

/** Field slots in per-field arrays (same order as FIELDS in params.ts). */
export const F_TITLE = 0;
export const F_HEADING = 1;
export const F_CATEGORY = 2;
export const F_TAGS = 3;
export const F_ANCHOR = 4;
export const F_BODY = 5;

/** The texts of an entity's own fields, in a fixed order: [field, text]. Anchor text comes from other entities. */
export function entityTexts(e: Entity): Array<[number, string]> {
  const out: Array<[number, string]> = [[F_TITLE, e.title]];
  for (const t of e.headings ?? []) out.push([F_HEADING, t]);
  for (const t of e.terms ?? []) out.push([F_HEADING, t]);
  for (const t of e.category) out.push([F_CATEGORY, t]);
  for (const t of e.tags) out.push([F_TAGS, t]);
  out.push([F_BODY, e.text]);
  return out;
}
