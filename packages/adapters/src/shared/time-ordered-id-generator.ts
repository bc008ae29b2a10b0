import { randomUUID } from "node:crypto";
import type { IdGenerator } from "@parallax/application";

/** Ids one millisecond holds in order (`rand_a`'s 12 bits); past them the next millisecond is borrowed. */
const PER_MILLISECOND = 0x1000;
/** The counter's three hex digits, made once (formatting them per id was most of its cost). */
const COUNTER_HEX = Array.from({ length: PER_MILLISECOND }, (_, counter) => counter.toString(16).padStart(3, "0"));

/**
 * UUIDs of version 7 (RFC 9562): the millisecond first, then a counter of the ids this
 * generator made in it (RFC 9562's method 1: ids made in one millisecond are in the order
 * made; a clock stepping back does not reorder them), then 62 random bits taken from
 * `randomUUID` (its pooled entropy: the `uuid` package's v7 asks `getRandomValues` for every id,
 * ~4 µs each, 4 % of a no-op job). Ids are keys of B-trees (the SQLite store's id index, its log
 * rows, a queue's ties within a millisecond): in the order they were made, a worker's batch of
 * jobs, claimed together, are neighbouring entries. With random (version 4) ids each was on a
 * page of its own: the SQLite store wrote ~1.3 WAL pages more per no-op job (`npm run bench --
 * jobs --only sqlite_statements_per_job`). Not for secrets: an id tells when it was made, and
 * the next one of the same millisecond but for its random tail (no id here is a secret: job and
 * notebook ids, lease tokens, task ids).
 */
export class TimeOrderedIdGenerator implements IdGenerator {
  private millisecond = -1;
  private counter = 0;
  /** "tttttttt-tttt-7" of the current millisecond. */
  private prefix = "";

  next(): string {
    const now = Date.now();
    if (now > this.millisecond) this.start(now);
    else if (++this.counter === PER_MILLISECOND) this.start(this.millisecond + 1);
    // `randomUUID()`'s variant and random bits after its version group: "-vxxx-xxxxxxxxxxxx".
    return this.prefix + COUNTER_HEX[this.counter]! + randomUUID().slice(18);
  }

  private start(millisecond: number): void {
    this.millisecond = millisecond;
    this.counter = 0;
    const time = millisecond.toString(16).padStart(12, "0");
    this.prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
}
