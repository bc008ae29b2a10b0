import { z } from "zod";

/**
 * Job ids as clients may send them back. Generated ids are UUIDs and follow-up ids
 * `<parent>.then<n>` of at most ~100 characters (`followUpJobId`), so 128 leaves room while
 * keeping every id a short, safe file name (a 256-character id once reached the file store
 * and failed with ENAMETOOLONG).
 */
export const MAX_JOB_ID_LENGTH = 128;
export const jobIdSchema = z
  .string()
  .max(MAX_JOB_ID_LENGTH, `a job id has at most ${MAX_JOB_ID_LENGTH} characters`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a job id is letters, digits, '.', '_' and '-', starting with a letter or digit");

export function isJobId(value: string): boolean {
  return jobIdSchema.safeParse(value).success;
}

/**
 * Queue priority: higher runs first. Bounded so that no client can put itself out of reach of
 * every other (any integer up to 2^53−1 was accepted); ±100 leaves pipelines room for many
 * levels. The stores order by it as given (they clamp only far outside this range).
 */
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
export const prioritySchema = z
  .number()
  .int("priority is an integer")
  .min(MIN_PRIORITY, `priority is at least ${MIN_PRIORITY}`)
  .max(MAX_PRIORITY, `priority is at most ${MAX_PRIORITY}`);
