import * as Result from "effect/Result";
import type { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { parseStored } from "@parallax/domain/jobs";
import { RecentMap } from "../shared/recent-map.js";

/**
 * A stored document as its schema says it is, or a StorageFailure naming where it was read
 * (`what` names the file or key) and what is wrong: thrown inside a store's I/O, which
 * passes it on as the operation's failure.
 */
export function readStored<T>(schema: z.ZodType<T>, text: unknown, what: string): T {
  const parsed = parseStored(schema, text);
  if (Result.isSuccess(parsed)) return parsed.success;
  throw new StorageFailure({ message: `Job store: ${what} is not a valid stored document: ${parsed.failure}` });
}

/**
 * The documents a store last read or wrote, by key (a job's id), each with the exact text it
 * was parsed from: a read whose text is the same (`===`, a byte compare) answers the parsed
 * value again instead of `JSON.parse` and the schema (~5 µs a job document), and any other
 * text (changed by another process, torn, edited by hand) is parsed, and refused, as
 * `readStored` would. Parsing is a function of the text alone, so the answers are the same.
 * A write remembers the value it wrote with the text it wrote (`JSON.stringify` of it), as
 * the memory store keeps the object it was given. Values are shared between callers, so
 * they must not be mutated (the domain's types are readonly). At most `capacity` entries,
 * the oldest dropped first.
 */
export class ParsedDocuments<T> {
  private readonly entries: RecentMap<string, { readonly text: string; readonly value: T }>;

  constructor(
    private readonly schema: z.ZodType<T>,
    capacity = 512,
  ) {
    this.entries = new RecentMap(capacity);
  }

  /** `text` read under `key`, parsed (`what` names it in a failure, built only then). */
  read(key: string, text: unknown, what: () => string): T {
    const known = this.entries.get(key);
    if (known !== undefined && known.text === text) return known.value;
    const value = readStored(this.schema, text, what());
    this.remember(key, text as string, value);
    return value;
  }

  /** `value` as just written under `key` as `text`. */
  remember(key: string, text: string, value: T): void {
    this.entries.remember(key, { text, value });
  }
}
