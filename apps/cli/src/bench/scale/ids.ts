/** Id of the n-th generated entity (1-based): also the rowid of its line in the FTS5 table. */
export function scaleEntityId(n: number): string {
  return `doc-${String(n).padStart(7, '0')}`;
}
