import * as Result from "effect/Result";
import { z } from "zod";
import type { ExclusiveClaim } from "./exclusive.js";
import type { Job, JobEventKind, JobStatus } from "./job.js";

/**
 * The documents jobs stores keep, as they are read back: every store (files, DynamoDB)
 * parses what it reads with these, so a corrupt or foreign document is refused where it is
 * read, naming its file or key, instead of failing later inside a transition.
 */
const status = z.enum(["pending", "running", "completed", "failed", "cancelled"] satisfies JobStatus[]);
const eventKind = z.enum([
  "submitted",
  "started",
  "succeeded",
  "heartbeat_lost",
  "lease_expired",
  "retry_scheduled",
  "released",
  "cancel_requested",
  "completed",
  "failed",
  "cancelled",
  "retried",
] satisfies JobEventKind[]);
const epochMs = z.number();

export const storedJobSchema: z.ZodType<Job> = z.object({
  id: z.string().min(1),
  pipeline: z.string(),
  command: z.array(z.string()),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
  timeoutMs: z.number().nullable(),
  then: z.array(z.string()),
  triggeredBy: z.string().nullable().optional(),
  owner: z.string().min(1).optional(),
  status,
  priority: z.number(),
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  runs: z.number().int(),
  stalls: z.number().int(),
  maxStalls: z.number().int(),
  backoff: z.object({ baseMs: z.number(), maxMs: z.number() }),
  runAt: epochMs,
  createdAt: epochMs,
  updatedAt: epochMs,
  startedAt: epochMs.nullable(),
  completedAt: epochMs.nullable(),
  exitCode: z.number().int().nullable(),
  succeededAt: epochMs.nullable().optional(),
  error: z.string().nullable(),
  lease: z.object({ owner: z.string(), token: z.string(), run: z.string().optional(), expiresAt: epochMs }).nullable(),
  cancelRequested: z.boolean(),
  version: z.number().int().min(1),
  history: z.array(z.object({ at: epochMs, kind: eventKind, attempt: z.number().int(), worker: z.string().optional(), reason: z.string().optional() })),
});

export const storedExclusiveClaimSchema: z.ZodType<ExclusiveClaim> = z.object({
  pipeline: z.string(),
  holder: z.string().nullable(),
  holderVersion: z.number().int(),
  since: epochMs,
  version: z.number().int().min(0),
});

/** A log line as the file log store keeps it: `[stream, timestamp, message]`. */
export const storedLogLineSchema = z.tuple([z.enum(["stdout", "stderr", "system"]), z.string(), z.string()]);

/** Parses JSON text into a stored document, or says what is wrong with it. */
export function parseStored<T>(schema: z.ZodType<T>, text: unknown): Result.Result<T, string> {
  if (typeof text !== "string") return Result.fail(`not a JSON text but ${text === undefined ? "absent" : typeof text}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return Result.fail(`not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? Result.succeed(parsed.data) : Result.fail(z.prettifyError(parsed.error).replaceAll("\n", "; "));
}
