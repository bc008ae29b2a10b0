import type { BackoffPolicy } from "./job.js";

/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other
 * half is scaled by `random` (in [0, 1)), so retries spread out but never come back at once.
 * Capped at `maxMs`. `attempt` is the attempt that just failed (1 for the first).
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: number): number {
  const exponent = Math.max(0, attempt - 1);
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 52));
  const clampedRandom = Math.min(Math.max(random, 0), 1);
  return Math.round(exponential / 2 + (exponential / 2) * clampedRandom);
}
