/**
 * Integer lists by term, kept up to a budget of integers; past it the lists used longest ago go first (a Map keeps
 * insertion order: a hit moves its entry to the end, so the first entries are the coldest). Emptying the whole cache
 * when it filled, as it did, dropped the lists of the common words every few prompts, just as the next prompt needed
 * them again: at a million entities, half the time of the bench's prompts went to decoding and phrase searching what
 * had been dropped. A list larger than the budget is kept alone until the next one comes.
 */
export class ListCache {
  private readonly map = new Map<number, Int32Array>();
  private held = 0;

  constructor(private readonly budget: number) {
    if (!(budget > 0)) throw new RangeError(`a list cache needs a positive budget, got ${budget}`);
  }

  /** Integers held. */
  get ints(): number {
    return this.held;
  }

  get size(): number {
    return this.map.size;
  }

  /** The list of `t`, made the most recently used; undefined when not held. */
  get(t: number): Int32Array | undefined {
    const hit = this.map.get(t);
    if (hit !== undefined) {
      this.map.delete(t);
      this.map.set(t, hit);
    }
    return hit;
  }

  /** Whether `t` is held, without making it recently used. */
  has(t: number): boolean {
    return this.map.has(t);
  }

  /** Holds `list` as the list of `t` (replacing one held), after letting the coldest lists go until it fits. */
  set(t: number, list: Int32Array): void {
    this.delete(t);
    for (const [cold, l] of this.map) {
      if (this.held + list.length <= this.budget) break;
      this.map.delete(cold);
      this.held -= l.length;
    }
    this.map.set(t, list);
    this.held += list.length;
  }

  /** Lets the list of `t` go (it changed). */
  delete(t: number): void {
    const l = this.map.get(t);
    if (l === undefined) return;
    this.map.delete(t);
    this.held -= l.length;
  }

  clear(): void {
    this.map.clear();
    this.held = 0;
  }
}
