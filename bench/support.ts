/** Small helpers shared by the benchmarks: timing, percentiles, memory, JSON output. */
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function timeMs<T>(fn: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = fn();
  return { ms: performance.now() - started, value };
}

export async function timeMsAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Samples RSS while `fn` runs; returns the peak in MiB. */
export async function peakRssMiB<T>(fn: () => Promise<T> | T): Promise<{ peakMiB: number; value: T }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { peakMiB: round(peak / 1024 / 1024, 1), value };
  } finally {
    clearInterval(timer);
  }
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function emit(name: string, result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ benchmark: name, node: process.version, ...result })}\n`);
}

let gc: (() => void) | undefined;
/**
 * A full garbage collection now, before a timed run: a run then pays for its own garbage
 * only, not for the heap the runs before it left (in `jobs`, the second store measured in a
 * round was slowed by a major collection of the first one's jobs). No `--expose-gc` needed.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/** The machine's 1, 5 and 15 minute load averages, for a figure's `loadavg_1_5_15`. */
export function loadAverages(): number[] {
  return loadavg().map((value) => round(value, 2));
}
