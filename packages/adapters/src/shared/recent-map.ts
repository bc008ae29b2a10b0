/**
 * A map that keeps the `capacity` most recently remembered entries, the oldest dropped first:
 * the bound on the per-key memories adapters keep (read positions, parsed documents, chunk
 * lists) so that a long-lived process touching ever new keys does not grow without end.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** `value` under `key`, now the most recent. */
  remember(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
