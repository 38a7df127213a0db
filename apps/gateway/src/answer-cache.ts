/**
 * A bounded least-recently-used map of answers. Keys include the index version, so a swap makes the previous
 * version's entries unreachable (they age out) and no answer outlives the index that produced it.
 */
export class AnswerCache<V> {
  private readonly map = new Map<string, V>();

  /** @param capacity entries kept at most; 0 disables the cache. */
  constructor(readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}
