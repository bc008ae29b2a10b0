import type { Clock } from "../shared/clock.port.js";

/** A Clock that stands still until the test moves it, so timestamps in assertions are exact. */
export interface FixedClock extends Clock {
  advance(ms: number): void;
  set(at: Date | string): void;
}

export function fixedClock(start: Date | string = "2026-01-01T00:00:00.000Z"): FixedClock {
  let now = new Date(start).getTime();
  if (!Number.isFinite(now)) throw new Error(`fixedClock: ${String(start)} is not a date`);
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    set: (at) => {
      now = new Date(at).getTime();
    },
  };
}
