import * as Result from "effect/Result";
import type { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { parseStored } from "@parallax/domain/jobs";

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
