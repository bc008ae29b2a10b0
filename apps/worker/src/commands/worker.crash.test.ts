import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { createContainer, loadConfig } from "@parallax/adapters";
import { PipelineJobs, JobStore } from "@parallax/application/jobs";
import { mulberry32 } from "@parallax/domain";

/**
 * Three worker processes share one store (the file store, then the SQLite one); one of them is SIGKILLed at random moments,
 * several times. Every job must still complete, and every run beyond a job's first must
 * be explained by a lease expiry recorded in its history.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const work = mkdtempSync(join(tmpdir(), "parallax-crash-"));
const JOBS = 200;
const KILLS = 4;
const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

describe.each(["file", "sqlite"] as const)("workers sharing a %s store", (jobsStore) => {
  const env = { DATA_DIR: join(work, jobsStore, "data"), PIPELINES_FILE: join(work, `${jobsStore}-pipelines.json`), LOG_LEVEL: "warn", JOBS_STORE: jobsStore };
  const results = join(work, `${jobsStore}-results.txt`);

  function startWorker(id: string, extra: string[] = []): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", "worker", "--id", id, "--concurrency", "4", "--lease-ms", "1500", "--heartbeat-ms", "250", "--poll-ms", "50", "--drain-ms", "5000", ...extra],
      { cwd: repoRoot, env: { ...process.env, ...env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.add(child);
    let output = "";
    const ready = new Promise<void>((resolveReady, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"worker ready"')) resolveReady();
      });
      child.once("exit", (code) => reject(new Error(`worker ${id} exited (${code}) before ready: ${output}`)));
    });
    const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
    void exited.then(() => children.delete(child));
    return { child, ready, exited };
  }


    it("complete every job despite a worker SIGKILLed again and again; extra runs are lease expiries", async () => {
      writeFileSync(
        env.PIPELINES_FILE,
        JSON.stringify({ pipelines: [{ name: "append", command: ["sh", "-c", 'sleep 0.3; echo "$1" >> "$2"', "append", "{job_id}", results], max_attempts: 1, max_stalls: 20 }] }),
      );
      const container = createContainer(loadConfig(env, { LOG_LEVEL: "silent" }));
      const service = container.get(PipelineJobs);
      const store = container.get<JobStore>(JobStore);
      const ids: string[] = [];
      const submit = async (count: number) => {
        for (let i = 0; i < count; i++) ids.push((await Effect.runPromise(service.submit("append"))).id);
      };
      await submit(JOBS / 2);

      const steady = [startWorker("steady-1"), startWorker("steady-2")];
      let victim = startWorker("victim-0");
      await Promise.all([...steady.map((worker) => worker.ready), victim.ready]);
      const random = mulberry32(42);
      // The other half is submitted while workers claim and die, racing inserts with claims.
      const lateSubmissions = submit(JOBS / 2);
      for (let kill = 1; kill <= KILLS; kill++) {
        await sleep(150 + random() * 400);
        victim.child.kill("SIGKILL");
        await victim.exited;
        victim = startWorker(`victim-${kill}`);
        await victim.ready;
      }

      await lateSubmissions;
      const deadline = Date.now() + 45_000;
      let jobs = await Effect.runPromise(store.list());
      while (jobs.some((job) => job.status !== "completed") && Date.now() < deadline) {
        await sleep(200);
        jobs = await Effect.runPromise(store.list());
      }
      for (const worker of [...steady, victim]) worker.child.kill("SIGTERM");
      const codes = await Promise.all([...steady, victim].map((worker) => worker.exited));
      expect(codes).toEqual([0, 0, 0]);

      expect(jobs).toHaveLength(JOBS);
      expect(jobs.filter((job) => job.status !== "completed").map((job) => `${job.id}:${job.status}`)).toEqual([]);
      const appended = existsSync(results) ? readFileSync(results, "utf8").split("\n").filter(Boolean) : [];
      const occurrences = new Map<string, number>();
      for (const id of appended) occurrences.set(id, (occurrences.get(id) ?? 0) + 1);
      for (const id of ids) expect(occurrences.get(id) ?? 0, `job ${id} in results`).toBeGreaterThanOrEqual(1);
      let expiries = 0;
      for (const job of jobs) {
        const expired = job.history.filter((event) => event.kind === "lease_expired");
        expiries += expired.length;
        expect(job.runs - 1, `extra runs of ${job.id} explained by lease expiries`).toBe(expired.length);
        expect(occurrences.get(job.id)!).toBeLessThanOrEqual(job.runs);
      }
      process.stdout.write(`crash test (${jobsStore} store): ${JOBS} jobs, ${KILLS} kills, ${expiries} lease expiries, ${jobs.reduce((sum, job) => sum + job.runs, 0)} runs, ${appended.length} appends\n`);
      expect(expiries).toBeGreaterThan(0);
      expect(await Effect.runPromise(store.list({ status: "running" }))).toEqual([]);
    }, 90_000);

    it("on SIGTERM stops claiming, releases the job it could not finish, and exits 0", async () => {
      writeFileSync(env.PIPELINES_FILE, JSON.stringify({ pipelines: [{ name: "long", command: ["sleep", "100"] }, { name: "append", command: ["true"] }] }));
      const container = createContainer(loadConfig(env, { LOG_LEVEL: "silent" }));
      const service = container.get(PipelineJobs);
      const store = container.get<JobStore>(JobStore);
      const worker = startWorker("stopper", ["--drain-ms", "300"]);
      await worker.ready;
      const job = await Effect.runPromise(service.submit("long"));
      const deadline = Date.now() + 15_000;
      while ((await Effect.runPromise(store.get(job.id))).status !== "running" && Date.now() < deadline) await sleep(50);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
      const released = await Effect.runPromise(store.get(job.id));
      expect(released).toMatchObject({ status: "pending", attempt: 0 });
      expect(released.history.at(-1)).toMatchObject({ kind: "released", worker: "stopper" });
    }, 60_000);
});
