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

/** Entries in queue order, taken from the head: a FIFO (an array and the index of its head). */
class OrderedRun {
  private items: QueueEntry[] = [];
  private start = 0;

  get size(): number {
    return this.items.length - this.start;
  }

  head(): QueueEntry | undefined {
    return this.items[this.start];
  }

  /**
   * Puts `entry` in its place among the last `reach` entries (appended if no better than the
   * last one), or answers false if it belongs further in. Jobs submitted in the same
   * millisecond tie up to their ids, random UUIDs: in order of arrival, about half of them
   * are better than the one before, and took a heap operation each (13 % of a memory-store
   * job's CPU); each is a few places from the end.
   */
  insertNearEnd(entry: QueueEntry, reach: number): boolean {
    const items = this.items;
    let at = items.length;
    const stop = Math.max(this.start, at - reach);
    while (at > this.start && before(entry, items[at - 1]!)) {
      if (at === stop) return false;
      at--;
    }
    if (at === items.length) items.push(entry);
    else items.splice(at, 0, entry);
    return true;
  }

  take(): QueueEntry | undefined {
    const entry = this.items[this.start];
    if (entry === undefined) return undefined;
    this.start++;
    // The taken head is dropped in chunks, not one shift per take.
    if (this.start >= 1024 && this.start * 2 >= this.items.length) this.replace(this.items.slice(this.start));
    return entry;
  }

  rest(): QueueEntry[] {
    return this.items.slice(this.start);
  }

  replace(items: QueueEntry[]): void {
    this.items = items;
    this.start = 0;
  }
}

/** How far from its end an entry is put into the in-order run (`OrderedRun.insertNearEnd`) rather than into the heap. */
const IN_ORDER_REACH = 64;

/**
 * Pending jobs in queue order, split into due and delayed so a high-priority job waiting
 * for its backoff never hides due work. Entries may go stale (the job moved on); the
 * caller checks each against the store, so a stale entry costs one lookup, never a wrong claim.
 *
 * Due entries live in a heap, except those that come in queue order or nearly (no better than
 * the last, or than one of the last `IN_ORDER_REACH`, as jobs submitted one after another to run
 * now do, ties within a millisecond in their ids' order): those queue up in `inOrder`, taken
 * from its head without a heap operation (on a queue of thousands, each heap operation's cache
 * misses were most of a claim's cost). The best due entry is the best of three heads.
 */
export class QueueIndex {
  private readonly due = new BinaryHeap<QueueEntry>(before);
  private readonly inOrder = new OrderedRun();
  private readonly delayed = new BinaryHeap<QueueEntry>((a, b) => a.runAt < b.runAt);
  /**
   * Due entries a `peek` took out and accepted, best first: kept beside the others rather than
   * put back (a worker claims them next, and the next peek drops them from here, stale).
   */
  private readonly front = new OrderedRun();

  get size(): number {
    return this.due.size + this.inOrder.size + this.delayed.size + this.front.size;
  }

  /**
   * An entry starts as delayed, and `peek` promotes it once the caller's clock reaches `runAt`;
   * unless it was due by `reached`, a time the caller's clock has already passed (e.g. when the
   * job was written, by this process): then it is due at once. The index keeps a copy of the
   * fields it orders by, all of one shape (the jobs it is handed come in many: their
   * comparisons were megamorphic).
   */
  add({ id, version, priority, runAt, createdAt }: QueueEntry, reached = -Infinity): void {
    const entry = { id, version, priority, runAt, createdAt };
    if (runAt <= reached) this.addDue(entry);
    else this.delayed.push(entry);
  }

  private addDue(entry: QueueEntry): void {
    if (!this.inOrder.insertNearEnd(entry, IN_ORDER_REACH)) this.due.push(entry);
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
      this.addDue(this.delayed.pop()!);
    }
    const front = this.front.head();
    const inOrder = this.inOrder.head();
    const top = this.due.peek();
    let best = front;
    if (inOrder !== undefined && (best === undefined || before(inOrder, best))) best = inOrder;
    if (top !== undefined && (best === undefined || before(top, best))) return this.due.pop();
    return best === front ? this.front.take() : this.inOrder.take();
  }

  /** Entries taken out go back to the front, merged in queue order with what is still there. */
  private putBack(entries: readonly QueueEntry[]): void {
    const rest = this.front.rest();
    const back = [...entries].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const merged: QueueEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < back.length && j < rest.length) merged.push(before(rest[j]!, back[i]!) ? rest[j++]! : back[i++]!);
    while (i < back.length) merged.push(back[i++]!);
    while (j < rest.length) merged.push(rest[j++]!);
    this.front.replace(merged);
  }

  clear(): void {
    this.due.clear();
    this.delayed.clear();
    this.inOrder.replace([]);
    this.front.replace([]);
  }
}
