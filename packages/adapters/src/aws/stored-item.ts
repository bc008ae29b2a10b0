import * as Result from "effect/Result";
import type { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { parseStored } from "@parallax/domain/jobs";

/**
 * An item's attributes (or a JSON attribute's text) as the store's schema says they are, or a
 * StorageFailure naming the item and what is wrong, thrown inside the store's I/O, which passes
 * it on as the operation's failure. Schemas are zod objects, so a field added later (an owner)
 * is one line.
 */
export function readItem<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  throw new StorageFailure({ message: `${what} is not a valid stored item: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}` });
}

/** A JSON text attribute parsed with its schema (never `JSON.parse(x) as T`). */
export function readJsonAttribute<T>(schema: z.ZodType<T>, text: unknown, what: string): T {
  const parsed = parseStored(schema, text);
  if (Result.isSuccess(parsed)) return parsed.success;
  throw new StorageFailure({ message: `${what} is not a valid stored document: ${parsed.failure}` });
}
