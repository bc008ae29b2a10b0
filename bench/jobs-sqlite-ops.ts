/**
 * `npm run bench -- jobs --only sqlite_op_us`: the microseconds single SQLite store calls take,
 * one connection, per `synchronous` setting (part of `jobs.bench.ts`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { createJob, type Job } from "@parallax/domain/jobs";
import { SqliteJobStore, SqliteLogStore } from "@parallax/adapters/jobs";
import { emit, loadAverages, percentile, round } from "./support.js";

/** A pending no-op job as stored. */
const baseJob: Job = createJob({ id: "op", pipeline: "noop", command: ["true"] }, 0);

/**
 * Microseconds each SQLite store call holds the event loop (better-sqlite3 is synchronous):
 * submit (exclusivity-free insert), claim (candidates + conditional update), heartbeat and
 * completion (conditional updates), one connection, per `synchronous` setting.
 */
export async function sqliteOpMicros(samples: number): Promise<void> {
  for (const synchronous of ["normal", "full"] as const) {
    const dir = mkdtempSync(join(tmpdir(), "parallax-bench-sqlite-"));
    try {
      const store = new SqliteJobStore(join(dir, "jobs.sqlite"), { synchronous });
      const timings: Record<string, number[]> = { insert: [], claim_candidates: [], claim_replace: [], complete_replace: [], get: [] };
      // Awaited: a write is answered once its group commit ran, at the end of the turn.
      const timed = async <A>(name: string, effect: Effect.Effect<A, unknown>): Promise<A> => {
        const started = performance.now();
        const value = await Effect.runPromise(effect as Effect.Effect<A>);
        timings[name]!.push((performance.now() - started) * 1000);
        return value;
      };
      const now = Date.now();
      for (let i = 0; i < samples; i++) {
        const job = await timed("insert", store.insert({ ...baseJob, id: `op-${i}`, createdAt: now + i, runAt: now + i }));
        const [candidate] = await timed("claim_candidates", store.claimCandidates(now + samples, 4));
        const running = await timed("claim_replace", store.replace({ ...candidate!, version: candidate!.version + 1, status: "running", lease: { owner: "w", token: "t", expiresAt: now + 60_000 } }, candidate!.version));
        await timed("get", store.get(job.id));
        await timed("complete_replace", store.replace({ ...running, version: running.version + 1, status: "completed", lease: null }, running.version));
      }
      store.close();
      // Logs: the largest single statements, a row of 128 lines appended and a 2-row page read.
      const logs = new SqliteLogStore(join(dir, "jobs.sqlite"), { synchronous });
      const lines = Array.from({ length: 128 }, (_, i) => ({ stream: "stdout" as const, timestamp: new Date(now).toISOString(), message: `line ${i} of the benchmark log, long enough to look like real output` }));
      timings["log_append_128_lines"] = [];
      timings["log_read_256_lines"] = [];
      for (let i = 0; i < samples / 10; i++) {
        for (let j = 0; j < 2; j++) await timed("log_append_128_lines", logs.append(`log-${i}`, lines));
        await timed("log_read_256_lines", logs.read(`log-${i}`, 0, 256));
      }
      logs.close();
      const summary = Object.fromEntries(
        Object.entries(timings).map(([name, values]) => {
          const sorted = [...values].sort((a, b) => a - b);
          return [name, { p50_us: round(percentile(sorted, 50), 1), p99_us: round(percentile(sorted, 99), 1), max_us: round(sorted.at(-1)!, 1) }];
        }),
      );
      emit(`jobs.sqlite_op_us.${synchronous}`, { synchronous, samples, ...summary, loadavg_1_5_15: loadAverages() });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
