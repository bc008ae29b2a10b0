import { BinaryHeap } from "./binary-heap.js";

/** What the queue needs to know of a pending job to order it. */
export interface QueueEntry {
  readonly id: string;
  readonly version: number;
  readonly priority: number;
  readonly runAt: number;
  readonly createdAt: number;
}

const before = (a: QueueEntry, b: QueueEntry) =>
  a.priority !== b.priority ? a.priority > b.priority : a.runAt !== b.runAt ? a.runAt < b.runAt : a.createdAt !== b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;

/**
 * Pending jobs in queue order, split into due and delayed so a high-priority job waiting
 * for its backoff never hides due work. Entries may go stale (the job moved on); the
 * caller checks each against the store, so a stale entry costs one lookup, never a wrong claim.
 */
export class QueueIndex {
  private readonly due = new BinaryHeap<QueueEntry>(before);
  private readonly delayed = new BinaryHeap<QueueEntry>((a, b) => a.runAt < b.runAt);
  /**
   * Due entries a `peek` took out and accepted, best first: kept beside the heap rather than
   * pushed back in (a worker claims them next, and the next peek drops them from here, stale,
   * without two more heap operations each).
   */
  private front: QueueEntry[] = [];
  private frontStart = 0;

  get size(): number {
    return this.due.size + this.delayed.size + this.front.length - this.frontStart;
  }

  /**
   * An entry starts as delayed, and `peek` promotes it once the caller's clock reaches `runAt`;
   * unless it was due by `reached`, a time the caller's clock has already passed (e.g. when the
   * job was written, by this process): then it goes straight to the due heap (a job submitted
   * to run now costs one heap operation, not three). The index keeps a copy of the fields it
   * orders by, all of one shape (the jobs it is handed come in many: their comparisons, the
   * index's whole cost, were megamorphic).
   */
  add({ id, version, priority, runAt, createdAt }: QueueEntry, reached = -Infinity): void {
    const entry = { id, version, priority, runAt, createdAt };
    if (runAt <= reached) this.due.push(entry);
    else this.delayed.push(entry);
  }

  /**
   * The best `limit` due entries that `isCurrent` accepts, left in place; entries it
   * rejects (the job moved on) are dropped for good.
   */
  peek(now: number, limit: number, isCurrent: (entry: QueueEntry) => boolean): QueueEntry[] {
    const found: QueueEntry[] = [];
    while (found.length < limit) {
      const entry = this.takeBest(now);
      if (entry === undefined) break;
      if (isCurrent(entry)) found.push(entry);
    }
    this.putBack(found);
    return found;
  }

  /**
   * The same for a check that reads files: entries are taken out while they are looked
   * at, so other calls may interleave; the accepted ones are put back at the end. As many
   * entries as are still missing are checked at once (each check waits on files, not on
   * the others), so a window of stale entries costs one check's time, not one per entry.
   */
  async peekChecked(now: number, limit: number, isCurrent: (entry: QueueEntry) => Promise<boolean>): Promise<QueueEntry[]> {
    const found: QueueEntry[] = [];
    const taken: QueueEntry[] = [];
    try {
      while (found.length < limit) {
        while (taken.length < limit - found.length) {
          const entry = this.takeBest(now);
          if (entry === undefined) break;
          taken.push(entry);
        }
        if (taken.length === 0) break;
        const verdicts = await Promise.all(taken.map(isCurrent));
        taken.forEach((entry, index) => verdicts[index] && found.push(entry));
        taken.length = 0;
      }
    } finally {
      // Entries taken but not judged (a check failed) go back too: they were not found stale.
      this.putBack([...found, ...taken]);
    }
    return found;
  }

  /** Takes the best due entry out (promoting delayed entries whose `runAt` came). */
  private takeBest(now: number): QueueEntry | undefined {
    for (let next = this.delayed.peek(); next !== undefined && next.runAt <= now; next = this.delayed.peek()) {
      this.due.push(this.delayed.pop()!);
    }
    const head = this.front[this.frontStart];
    const top = this.due.peek();
    if (head === undefined || (top !== undefined && before(top, head))) return this.due.pop();
    this.frontStart++;
    return head;
  }

  /** Entries taken out go back to the front, merged in queue order with what is still there. */
  private putBack(entries: readonly QueueEntry[]): void {
    const rest = this.front.slice(this.frontStart);
    const back = [...entries].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const merged: QueueEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < back.length && j < rest.length) merged.push(before(rest[j]!, back[i]!) ? rest[j++]! : back[i++]!);
    while (i < back.length) merged.push(back[i++]!);
    while (j < rest.length) merged.push(rest[j++]!);
    this.front = merged;
    this.frontStart = 0;
  }

  clear(): void {
    this.due.clear();
    this.delayed.clear();
    this.front = [];
    this.frontStart = 0;
  }
}
