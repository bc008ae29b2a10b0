import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "@parallax/domain/jobs";
import { DynamoJobStore, DynamoLogStore } from "@parallax/adapters/jobs";
import { startAwsServices, type AwsServices } from "../../../../packages/adapters/src/aws/aws-services.testkit.js";
import type { AwsClients } from "../../../../packages/adapters/src/aws/aws-clients.js";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";
import { http } from "../host/http-client.testkit.js";

/**
 * Issue 12's many-workers acceptance: one host and three `parallax worker` processes on one
 * DynamoDB table (dynalite) and bucket (s3rver); JOBS jobs (MANY_WORKERS_JOBS, 300 in the issue,
 * fewer by default to keep CI short); workers SIGKILLed at random moments and started again.
 * Afterwards every job is completed, none lost; every run beyond a job's first is explained by
 * a recorded lease expiry; every job's log holds each run's lines in order and the last run's
 * complete.
 */
const JOBS = Number(process.env["MANY_WORKERS_JOBS"] ?? 60);
const LINES = 8;
const WORKERS = 3;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const work = mkdtempSync(join(tmpdir(), "parallax-many-workers-"));
/** Seeded, so a failure can be replayed: the kill schedule. */
let seed = Number(process.env["MANY_WORKERS_SEED"] ?? Date.now() % 100_000);
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

let services: AwsServices;
let clients: AwsClients;
let host: HostProcess;
let env: Record<string, string>;
const workers = new Map<number, ChildProcess>();
const started: ChildProcess[] = [];

/** Starts a worker in `slot`; resolves once it is ready (it claims from then on). */
function startWorker(slot: number): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", "worker", "--id", `w${slot}-${started.length}`, "--poll-ms", "50"], {
    cwd: repoRoot,
    env: { ...process.env, ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  started.push(worker);
  workers.set(slot, worker);
  return new Promise((ready) => {
    let output = "";
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('"worker ready"')) return;
      worker.stdout!.off("data", listen);
      worker.stdout!.resume();
      ready(worker);
    };
    worker.stdout!.on("data", listen);
    worker.once("exit", () => ready(worker));
  });
}

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((done) => child.once("exit", () => done())));

beforeAll(async () => {
  services = await startAwsServices();
  clients = await services.clients();
  const script = `for i in $(seq 0 ${LINES - 1}); do echo "line $i"; sleep 0.05; done`;
  writeFileSync(join(work, "pipelines.json"), JSON.stringify({ pipelines: [{ name: "step", command: ["sh", "-c", script], max_attempts: 1, max_stalls: 100 }] }));
  env = {
    ...services.env(clients.table),
    DATA_DIR: join(work, "data"),
    PIPELINES_FILE: join(work, "pipelines.json"),
    WORKER: "off",
    WORKER_CONCURRENCY: "4",
    JOB_LEASE_MS: "2000",
    JOB_HEARTBEAT_MS: "300",
    JOB_POLL_MS: "50",
    JOB_CANCEL_POLL_MS: "250",
    WORKER_DRAIN_MS: "0",
  };
  host = await spawnHost(env, 60_000);
}, 120_000);

afterAll(async () => {
  for (const worker of started) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  await Promise.all(started.map(exited));
  await host?.stop("SIGKILL");
  await services?.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`one host and ${WORKERS} workers on one DynamoDB table, workers SIGKILLed at random`, () => {
  it(`${JOBS} jobs: all completed, none lost, every extra run explained by a lease expiry, logs complete and in order`, { timeout: 600_000 }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const submitted = await http(host.url, "POST", "/api/jobs", { pipeline: "step" });
      expect(submitted.status).toBe(201);
      ids.push(String(submitted.body.job_id));
    }
    const store = new DynamoJobStore(clients.dynamo, clients.table);
    const jobs = async () => (await Effect.runPromise(store.list())).filter((job) => ids.includes(job.id));
    const finishedCount = async () => (await jobs()).filter((job) => job.status === "completed" || job.status === "failed" || job.status === "cancelled").length;
    // Each slot: a worker runs for a random 0.3–3.3 s after it is ready, is SIGKILLed and started
    // again, while the kill budget lasts (a tenth of the jobs, at least 6); then it runs to the end.
    let kills = 0;
    const budget = Math.max(6, Math.ceil(JOBS / 10));
    let finishedAll = false;
    const slots = Array.from({ length: WORKERS }, async (_, slot) => {
      let worker = await startWorker(slot);
      while (!finishedAll && kills < budget) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 300 + random() * 3_000));
        if (finishedAll || kills >= budget) break;
        kills++;
        worker.kill("SIGKILL");
        await exited(worker);
        worker = await startWorker(slot);
      }
    });
    const deadline = Date.now() + 540_000;
    for (;;) {
      const done = await finishedCount();
      if (done === JOBS) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${JOBS} jobs finished; ${kills} kills`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }
    finishedAll = true;
    await Promise.all(slots);

    const finished: Job[] = await jobs();
    expect(finished.map((job) => job.id).sort()).toEqual([...ids].sort());
    expect(finished.filter((job) => job.status !== "completed").map((job) => `${job.id}: ${job.status} ${job.error}`)).toEqual([]);

    const logs = new DynamoLogStore(clients.documents, clients.table);
    let extraRuns = 0;
    for (const job of finished) {
      const expired = job.history.filter((event) => event.kind === "lease_expired").length;
      const starts = job.history.filter((event) => event.kind === "started").length;
      // Every run beyond the first follows a recorded lease expiry.
      expect({ id: job.id, extraRuns: job.runs - 1, starts }).toEqual({ id: job.id, extraRuns: Math.min(job.runs - 1, expired), starts: job.runs });
      extraRuns += job.runs - 1;
      const page = await Effect.runPromise(logs.read(job.id, 0, 100_000));
      expect(page.lines.map((line) => line.offset)).toEqual(page.lines.map((_, i) => i));
      // Each run's lines in order (a killed run's are a prefix), the last run's complete.
      const numbers = page.lines.filter((line) => line.stream === "stdout").map((line) => Number(/^line (\d+)$/.exec(line.message)?.[1]));
      const runs: number[][] = [];
      for (const n of numbers) {
        if (n === 0 || runs.length === 0) runs.push([]);
        runs.at(-1)!.push(n);
      }
      for (const run of runs) expect(run).toEqual(run.map((_, i) => i));
      expect(runs.at(-1)).toEqual(Array.from({ length: LINES }, (_, i) => i));
      expect(runs.length).toBeLessThanOrEqual(job.runs);
    }
    console.log(JSON.stringify({ jobs: JOBS, workers: WORKERS, kills, extraRuns, seed: process.env["MANY_WORKERS_SEED"] ?? "time" }));
    expect(kills).toBeGreaterThan(0);
  });
});
