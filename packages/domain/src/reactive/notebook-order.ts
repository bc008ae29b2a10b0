/**
 * Notebook order of cells without O(n) renumbering per insert.
 *
 * Items live in chunks of bounded size (so finding the i-th item or inserting costs O(√n)-ish work,
 * not a shift of every later cell) and carry a numeric key that increases along the order, so two
 * items compare in O(1). A new key is the midpoint of its neighbours' keys; only when floating-point
 * precision runs out between two neighbours (after ~40 inserts into the same gap) are all keys
 * respaced, which amortises to O(1).
 */
export interface Ordered {
  key: number;
}

const CHUNK = 256;
const GAP = 1024;

export class NotebookOrder<T extends Ordered> {
  private chunks: T[][] = [];
  private count = 0;
  private snapshot: readonly T[] | undefined;

  get size(): number {
    return this.count;
  }

  /** Inserts `item` at position `index` (clamped; default: append) and assigns its key. */
  insert(item: T, index = this.count): void {
    const at = Math.max(0, Math.min(Math.trunc(index), this.count));
    const previous = at === 0 ? undefined : at === this.count ? this.last() : this.at(at - 1);
    const next = at < this.count ? this.at(at) : undefined;
    item.key = keyBetween(previous?.key, next?.key);
    const [chunkIndex, offset] = this.locateIndex(at);
    const chunk = this.chunks[chunkIndex];
    if (!chunk) this.chunks.push([item]);
    else {
      chunk.splice(offset, 0, item);
      if (chunk.length > 2 * CHUNK) this.chunks.splice(chunkIndex, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
    }
    this.count++;
    this.snapshot = undefined;
    if ((previous && item.key <= previous.key) || (next && item.key >= next.key)) this.respace();
  }

  remove(item: T): void {
    const chunkIndex = this.chunkOfKey(item.key);
    const chunk = this.chunks[chunkIndex];
    const offset = chunk ? chunk.indexOf(item) : -1;
    if (!chunk || offset < 0) return;
    chunk.splice(offset, 1);
    if (chunk.length === 0) this.chunks.splice(chunkIndex, 1);
    this.count--;
    this.snapshot = undefined;
  }

  last(): T | undefined {
    const chunk = this.chunks[this.chunks.length - 1];
    return chunk?.[chunk.length - 1];
  }

  at(index: number): T | undefined {
    const [chunkIndex, offset] = this.locateIndex(index);
    return this.chunks[chunkIndex]?.[offset];
  }

  /** All items in order; the same array is returned until the order changes. */
  items(): readonly T[] {
    this.snapshot ??= Object.freeze(this.chunks.flat());
    return this.snapshot;
  }

  private locateIndex(index: number): [number, number] {
    const lastChunk = this.chunks.length - 1;
    // Appending is the common case (loading a notebook): no scan.
    if (index === this.count && lastChunk >= 0) return [lastChunk, this.chunks[lastChunk]!.length];
    let remaining = index;
    for (let i = 0; i < this.chunks.length; i++) {
      const length = this.chunks[i]!.length;
      if (remaining < length || (remaining === length && i === this.chunks.length - 1)) return [i, remaining];
      remaining -= length;
    }
    return [this.chunks.length, 0];
  }

  /** Binary search on the chunks' last keys. */
  private chunkOfKey(key: number): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      const chunk = this.chunks[middle]!;
      if (chunk[chunk.length - 1]!.key < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private respace(): void {
    let key = 0;
    for (const chunk of this.chunks) for (const item of chunk) item.key = key += GAP;
  }
}

function keyBetween(previous: number | undefined, next: number | undefined): number {
  if (previous === undefined && next === undefined) return GAP;
  if (previous === undefined) return next! - GAP;
  if (next === undefined) return previous + GAP;
  return previous + (next - previous) / 2;
}
