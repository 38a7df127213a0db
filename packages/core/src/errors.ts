/** A snapshot or delta segment that cannot be read: corrupt, truncated, or of a format this engine does not read. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}
