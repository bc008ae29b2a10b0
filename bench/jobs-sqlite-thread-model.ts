/**
 * `jobs.sqlite_thread_model`: what moving the SQLite connection to a thread of its own could
 * give, before building it. The SQL thread (`jobs-sqlite-thread-model-worker.mjs`) runs the
 * statements of `jobs.sqlite_floor`; the main thread stands in for the store's and the worker
 * loop's JavaScript by spinning `main_js_us_per_job` µs per job, for `cohorts` groups of 8 jobs
 * each going claim → run → completion (one cohort: the worker's eight slots in lockstep, as
 * today's worker runs them; two or three: the claims of one group overlapping the completions
 * of another, which the worker would have to learn). Messages carry the claimed rows back.
 * An upper bound: the real store also parses what it reads and answers each write's caller.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { DOC, FLOOR_SQL, LINES, seededStore } from "./jobs-sqlite-floor.js";
import { emit, loadAverages, round } from "./support.js";

async function modelRun(jobs: number, mainJsUsPerJob: number, cohorts: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-sqlite-thread-"));
  const now = Date.now();
  const store = seededStore(dir, jobs, now);
  const file = store.file;
  store.close();
  const thread = new Worker(new URL("./jobs-sqlite-thread-model-worker.mjs", import.meta.url), { workerData: { file, sql: FLOOR_SQL, doc: DOC, lines: LINES, now, later: now + jobs + 1 }, execArgv: [] });
  try {
    const answers = new Map<number, (answer: { rows?: Array<{ id: string }> }) => void>();
    let sequence = 0;
    await new Promise<void>((resolve, reject) => {
      thread.once("error", reject);
      thread.once("message", () => resolve());
    });
    thread.on("message", (answer: { seq: number; rows?: Array<{ id: string }> }) => {
      answers.get(answer.seq)?.(answer);
      answers.delete(answer.seq);
    });
    const call = (message: object) =>
      new Promise<{ rows?: Array<{ id: string }> }>((resolve) => {
        answers.set(++sequence, resolve);
        thread.postMessage({ ...message, seq: sequence });
      });
    const spin = (us: number) => {
      const until = performance.now() + us / 1000;
      while (performance.now() < until);
    };
    let done = 0;
    const cohort = async () => {
      while (done < jobs) {
        const { rows = [] } = await call({ kind: "claim" });
        if (rows.length === 0) return;
        spin(mainJsUsPerJob * rows.length);
        await call({ kind: "complete", ids: rows.map((row) => row.id) });
        done += rows.length;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: cohorts }, cohort));
    return (done / (performance.now() - started)) * 1000;
  } finally {
    thread.postMessage({ kind: "close" });
    await new Promise((resolve) => thread.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sqliteThreadModel(jobs: number, bullmqJobsPerSecond?: number): Promise<void> {
  for (const mainJsUsPerJob of [0, 20, 30, 40]) {
    for (const cohorts of [1, 2, 3]) {
      const perSecond = await modelRun(jobs, mainJsUsPerJob, cohorts);
      emit("jobs.sqlite_thread_model", {
        jobs,
        main_js_us_per_job: mainJsUsPerJob,
        cohorts,
        jobs_per_s: round(perSecond, 0),
        ...(bullmqJobsPerSecond === undefined ? {} : { ratio_to_bullmq: round(perSecond / bullmqJobsPerSecond, 2) }),
        loadavg_1_5_15: loadAverages(),
      });
    }
  }
}
