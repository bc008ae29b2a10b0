import { describe, expect, it } from "vitest";
import { BinaryHeap } from "./binary-heap.js";
import { QueueIndex, type QueueEntry } from "./queue-index.js";

const entry = (id: string, runAt: number, priority = 0, version = 1): QueueEntry => ({ id, version, priority, runAt, createdAt: runAt });

describe("BinaryHeap", () => {
  it("pops in order whatever the order of pushes", () => {
    const heap = new BinaryHeap<number>((a, b) => a < b);
    const values = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    for (const value of values) heap.push(value);
    const popped: number[] = [];
    for (let next = heap.pop(); next !== undefined; next = heap.pop()) popped.push(next);
    expect(popped).toEqual([...values].sort((a, b) => a - b));
  });
});

describe("QueueIndex", () => {
  it("answers the best due entries, leaves them in place, and never a delayed one", () => {
    const index = new QueueIndex();
    for (const [id, runAt] of [["c", 30], ["a", 10], ["later", 100], ["b", 20]] as const) index.add(entry(id, runAt));
    const all = () => true;
    expect(index.peek(50, 2, all).map((e) => e.id)).toEqual(["a", "b"]);
    expect(index.peek(50, 5, all).map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(index.peek(100, 5, all).map((e) => e.id)).toEqual(["a", "b", "c", "later"]);
    expect(index.size).toBe(4);
  });

  it("drops the entries the check rejects for good, and a better entry added after a peek comes first", () => {
    const index = new QueueIndex();
    for (let i = 0; i < 10; i++) index.add(entry(`j${i}`, i));
    const gone = new Set<string>();
    const current = (e: QueueEntry) => !gone.has(e.id);
    const first = index.peek(100, 3, current);
    expect(first.map((e) => e.id)).toEqual(["j0", "j1", "j2"]);
    // Claimed (moved on): their entries are stale now.
    for (const e of first) gone.add(e.id);
    index.add(entry("urgent", 50, 5));
    index.add(entry("early", -1));
    expect(index.peek(100, 4, current).map((e) => e.id)).toEqual(["urgent", "early", "j3", "j4"]);
    expect(index.size).toBe(9);
    gone.add("urgent");
    expect(index.peek(100, 20, current).map((e) => e.id)).toEqual(["early", ...Array.from({ length: 7 }, (_, i) => `j${i + 3}`)]);
  });

  it("the checked peek (files) agrees, its accepted entries back in order", async () => {
    const index = new QueueIndex();
    for (let i = 9; i >= 0; i--) index.add(entry(`j${i}`, i));
    const odd = async (e: QueueEntry) => Number(e.id.slice(1)) % 2 === 1;
    expect((await index.peekChecked(100, 3, odd)).map((e) => e.id)).toEqual(["j1", "j3", "j5"]);
    // j0, j2 and j4 were looked at and rejected; j6 to j9 were not looked at.
    expect(index.peek(100, 10, () => true).map((e) => e.id)).toEqual(["j1", "j3", "j5", "j6", "j7", "j8", "j9"]);
  });

  it("an entry due by a time the caller reached is due at once; one due later waits for its time", () => {
    const index = new QueueIndex();
    index.add(entry("now", 10), 10);
    index.add(entry("later", 20), 10);
    expect(index.peek(10, 5, () => true).map((e) => e.id)).toEqual(["now"]);
    expect(index.peek(20, 5, () => true).map((e) => e.id)).toEqual(["now", "later"]);
  });

  it("jobs of one millisecond, their ids in no order (UUIDs), come out in queue order; one far back still finds its place", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const index = new QueueIndex();
    const added: QueueEntry[] = [];
    for (let i = 0; i < 2000; i++) {
      // About 20 a millisecond, as a burst of submissions makes them.
      const at = 1000 + Math.floor(i / 20);
      added.push({ id: random().toString(36).slice(2), version: 1, priority: 0, runAt: at, createdAt: at });
    }
    // Later than the others but older: 100 places from the end, past the in-order run's reach.
    added.push({ id: "old", version: 1, priority: 0, runAt: 1094, createdAt: 1094 });
    for (const e of added) index.add(e, 5000);
    const sorted = [...added].sort((a, b) => a.runAt - b.runAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    expect(index.peek(5000, 3000, () => true).map((e) => e.id)).toEqual(sorted.map((e) => e.id));
  });

  it("agrees with a sorted list through any mix of adds (in order or not, due or delayed), peeks and stale entries", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const index = new QueueIndex();
    const live = new Map<string, QueueEntry>();
    const order = (a: QueueEntry, b: QueueEntry) => b.priority - a.priority || a.runAt - b.runAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
    let now = 0;
    for (let step = 0; step < 3000; step++) {
      now += Math.floor(random() * 3);
      const roll = random();
      if (roll < 0.5) {
        const id = `j${step}`;
        const runAt = roll < 0.35 ? now : now + Math.floor(random() * 20) - 5;
        const added = { id, version: 1, priority: random() < 0.1 ? 5 : 0, runAt, createdAt: now - (random() < 0.2 ? 3 : 0) };
        live.set(id, added);
        index.add(added, random() < 0.7 ? now : -Infinity);
      } else {
        const limit = 1 + Math.floor(random() * 8);
        const expected = [...live.values()].filter((e) => e.runAt <= now).sort(order).slice(0, limit);
        const found = index.peek(now, limit, (e) => live.has(e.id));
        expect(found.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        // Claim some of them: their entries go stale.
        for (const e of found) if (random() < 0.6) live.delete(e.id);
      }
    }
  });
});
