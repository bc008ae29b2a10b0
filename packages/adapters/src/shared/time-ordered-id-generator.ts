import { v7 } from "uuid";
import type { IdGenerator } from "@parallax/application";

/**
 * UUIDs of version 7 (RFC 9562): a millisecond timestamp first, then a counter the `uuid`
 * package keeps per process (ids made in one millisecond are in the order made), then random
 * bits. Ids are keys of B-trees (the SQLite store's id index, its log rows, a queue's ties
 * within a millisecond): ids in the order they were made put a worker's batch of jobs, claimed
 * together, on neighbouring entries. With random (version 4) ids each was on a page of its own:
 * the SQLite store wrote ~1 WAL page more per no-op job (`npm run bench -- jobs --only
 * sqlite_statements_per_job`). Not for secrets: an id tells when it was made, and the next one
 * of the same millisecond is guessable but for its random tail (no id here is a secret: job and
 * notebook ids, lease tokens, task ids).
 */
export class TimeOrderedIdGenerator implements IdGenerator {
  next(): string {
    return v7();
  }
}
