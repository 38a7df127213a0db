/**
 * The version of an index's tables, bumped on every change (an entity indexed or unindexed, a link removed, a
 * snapshot restored). What the query-time modules derive from the tables and cache (length
 * normalizers, associations, grouped outlinks) is valid for one version.
 */
export class IndexVersion {
  n = 0;
}
