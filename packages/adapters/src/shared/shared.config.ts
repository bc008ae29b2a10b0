import { z } from "zod";

/**
 * The configuration every capability may read: where data lives, which stores, how deep a JSON
 * document may nest. A capability's `*.config.ts` adds its own shape to this one, so its module
 * imports its own config and this, never the composed `Config` of `composition/`.
 */
export const sharedConfigShape = {
  DATA_DIR: z.string().min(1).default("./data"),
  /** Every store at once: files under DATA_DIR, one process's memory, or DynamoDB + S3 (`aws`, see aws/README.md); per-store overrides (JOBS_STORE, NOTEBOOKS_STORE, TASKS_STORE) win. */
  STORAGE: z.enum(["file", "memory", "aws"]).default("file"),
  /** Deepest nesting of arrays and objects accepted in a JSON body or uploaded notebook; past a few thousand, serialising a document overflows the stack. */
  MAX_JSON_DEPTH: z.coerce.number().int().min(1).max(5_000).default(1_000),
} satisfies Record<string, z.ZodType>;

export type SharedConfig = z.infer<z.ZodObject<typeof sharedConfigShape>>;

/** A configuration an operator must fix; `npm start` prints its message alone and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
