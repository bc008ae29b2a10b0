/**
 * `npm run bench -- jobs [--jobs N] [--lines N] [--rounds N] [--only PREFIX]`
 * 1. queue throughput: no-op jobs submitted → completed per second, memory, file and sqlite
 *    stores, 1 and 4 workers (file and sqlite stores: one store instance, i.e. one
 *    connection, per worker, as separate processes would have; sqlite with its log store as
 *    JOBS_STORE=sqlite runs, `sqlite-filelogs` with the file log store to show the logs' share,
 *    `sqlite-full` with synchronous=full; `sqlite-oneconn`, 4 workers only: the workers of one
 *    process sharing its one store and connection, as the composition root wires a process, the
 *    SQLite figure beside BullMQ's four workers of one process; `sqlite-wide`, 4 workers only: one
 *    worker with their 32 slots, as WORKER_CONCURRENCY=32 wires one process, BullMQ's four
 *    workers' slots in the one worker a Parallax process runs).
 *    `--rounds N` repeats the whole comparison N times, the stores alternating within each
 *    round, each figure with the machine's load averages; each timed run starts after a full
 *    garbage collection (`collectGarbage`), so none pays for the heap of the runs before it;
 *    `cpu_us_per_job` is this process's CPU time per job (all threads, GC included), steadier
 *    than jobs/s on a loaded machine (BullMQ's: this process's `..._node_side` plus
 *    redis-server's `..._redis_side`, read from /proc).
 *    The runner is an in-process no-op so the figure is the queue's own cost;
 *    `spawn` adds the same with a real `true` process per job for reference;
 *    `--vs-bullmq` adds BullMQ (a local `redis-server`, no persistence) to every round, the
 *    same no-op jobs added in bulk then run by 1 or 4 BullMQ workers of concurrency 8, and
 *    prints each store's ratio to it (`jobs.vs_bullmq.*`); with `--only`, BullMQ runs beside
 *    the stores selected (e.g. `--only throughput.memory --vs-bullmq`). BullMQ runs again on
 *    redis-servers keeping an append-only file (`bullmq-aof-everysec`, `bullmq-aof-always`),
 *    the durability of the SQLite store's `normal` and `full`: `same_durability` prints those
 *    ratios;
 * 1b. `sqlite_floor`: a no-op job's SQL statements alone on one thread (no store code), beside
 *    the worker loop alone (the memory store), and the ceiling one thread doing both can reach
 *    (`jobs-sqlite-floor.ts`; with `--vs-bullmq`, its ratio to BullMQ); `sqlite_thread_model`, the
 *    same SQL on a thread of its own beside a main thread spinning for the JavaScript, in 1–3
 *    overlapping groups of 8 jobs: what a connection off the loop could give (`jobs-sqlite-thread-model.ts`);
 * 2. submit → start latency p50/p99 with idle workers: in process (woken on submit), and with
 *    a `parallax worker` process polling the file store every 100 ms (`jobs-cross-process-latency.ts`);
 * 2b. file operations per no-op job with the file stores (counted calls of `node:fs`);
 * 3. log lines per second delivered to 10 WebSocket clients of `/api/logs` by a real host;
 * 3b. `throughput.sqlite.processes`: the same no-op jobs run by 1, 2 and 4 worker processes on one
 *    SQLite file (`jobs-sqlite-processes.ts`), as several `parallax worker` processes share it;
 * 4. `list_owner`: a non-administrator's listing among 20,000 others' jobs on SQLite, the previous
 *    path (read all, filter) against `JobQuery.owner` (`jobs-list-owner.ts`); `list_owner.dynamodb`,
 *    among 2,000 on dynalite, the filter on the listing index against the `owner_listing` index
 *    (items evaluated, i.e. billed: `jobs-list-owner-dynamodb.ts`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { WebSocket } from "ws";
import type { Job } from "@parallax/domain/jobs";
import { JobChanges, PipelineJobs, JobWorker, type JobStore, type LogStore, type ProcessRunner } from "@parallax/application/jobs";
import { TimeOrderedIdGenerator, SystemClock } from "@parallax/adapters";
import { ChildProcessRunner, FileJobStore, FileLogStore, FileWorkspace, MemoryJobStore, MemoryLogStore, SqliteJobStore, SqliteLogStore, type SqliteSynchronous } from "@parallax/adapters/jobs";
import { startHost } from "../apps/http/src/start.js";
import { countFsOps } from "./fs-op-counter.js";
import { sqliteOpMicros } from "./jobs-sqlite-ops.js";
import { listOwner } from "./jobs-list-owner.js";
import { listOwnerDynamodb } from "./jobs-list-owner-dynamodb.js";
import { sqliteProcesses } from "./jobs-sqlite-processes.js";
import { crossProcessLatency } from "./jobs-cross-process-latency.js";
import { noopCatalog as catalog, noopRunner } from "./jobs-fixtures.js";
import { countSqliteStatements } from "./sqlite-statement-counter.js";
import { bullmqThroughput, partnerName, startRedis, type Redis, type RedisPersistence } from "./bullmq-partner.js";
import { sqliteFloor } from "./jobs-sqlite-floor.js";
import { sqliteThreadModel } from "./jobs-sqlite-thread-model.js";
import { collectGarbage, emit, loadAverages, peakRssMiB, percentile, round } from "./support.js";

// Job ids as the apps make them (`TimeOrderedIdGenerator`): the ids decide where a store's rows
// and index entries fall. The benchmark made its own ids before (a counter), which the apps
// did not (random UUIDs then): the SQLite figures were of ids the apps never made.
const ids = new TimeOrderedIdGenerator();
const clock = new SystemClock();

interface Setup {
  service: PipelineJobs;
  stores: JobStore[];
  logs: LogStore;
  /** Each worker's log store where it is not `logs` (sqlite: on the worker's own connection). */
  workerLogs?: LogStore[];
}

type StoreKind = "memory" | "file" | "sqlite" | "sqlite-filelogs" | "sqlite-full" | "sqlite-oneconn" | "sqlite-wide";

/** Workers of concurrency 8 each, or (`sqlite-wide`) one worker with all their slots. */
const workersOf = (kind: StoreKind, workers: number) => (kind === "sqlite-wide" ? { workers: 1, concurrency: 8 * workers } : { workers, concurrency: 8 });

function setup(kind: StoreKind, workers: number, dir: string): Setup {
  if (kind.startsWith("sqlite")) {
    const synchronous: SqliteSynchronous = kind === "sqlite-full" ? "full" : "normal";
    const file = join(dir, "jobs.sqlite");
    // One connection per process for jobs and logs, as JOBS_STORE=sqlite wires them.
    const submitStore = new SqliteJobStore(file, { synchronous });
    const workerStore = kind === "sqlite-oneconn" ? new SqliteJobStore(file, { synchronous }) : undefined;
    const stores = Array.from({ length: workers }, () => workerStore ?? new SqliteJobStore(file, { synchronous }));
    const logsOn = (store: SqliteJobStore) => new SqliteLogStore(file, { connection: store.db });
    const logs = kind === "sqlite-filelogs" ? new FileLogStore(join(dir, "logs")) : logsOn(submitStore);
    const workerLogs = kind === "sqlite-filelogs" ? undefined : stores.map(logsOn);
    return { service: new PipelineJobs(submitStore, logs, catalog, new FileWorkspace(dir), clock, ids, Effect.runSync(JobChanges.make)), stores, logs, workerLogs };
  }
  if (kind === "memory") {
    const store = new MemoryJobStore();
    const logs = new MemoryLogStore();
    return { service: new PipelineJobs(store, logs, catalog, new FileWorkspace(dir), clock, ids, Effect.runSync(JobChanges.make)), stores: Array(workers).fill(store), logs };
  }
  const logs = new FileLogStore(join(dir, "logs"));
  const submitStore = new FileJobStore(dir);
  const stores = Array.from({ length: workers }, () => new FileJobStore(dir));
  return { service: new PipelineJobs(submitStore, logs, catalog, new FileWorkspace(dir), clock, ids, Effect.runSync(JobChanges.make)), stores, logs };
}

/**
 * File operations per no-op job with the file stores (jobs and logs), split into submit and
 * run (claim, start/finish log lines, completion), 1 worker. Counted, not timed: the figure
 * does not depend on the machine's load.
 */
async function fileOpsPerJob(jobs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-jobs-"));
  try {
    const s = setup("file", 1, dir);
    const submitted = await countFsOps(async () => {
      for (let i = 0; i < jobs; i++) await Effect.runPromise(s.service.submit("noop"));
    });
    const ran = await countFsOps(async () => {
      const running = startWorkers(s, noopRunner, 8, jobs);
      await running.done;
      await Promise.all(running.workers.map((worker) => worker.stop(1000)));
    });
    const perJob = (ops: Record<string, number>) => Object.fromEntries(Object.entries(ops).sort().map(([name, count]) => [name, round(count / jobs, 2)]));
    emit("jobs.file_ops_per_job", {
      store: "file",
      jobs,
      submit_total: round(submitted.total / jobs, 2),
      run_total: round(ran.total / jobs, 2),
      per_job_total: round((submitted.total + ran.total) / jobs, 2),
      submit: perJob(submitted.ops),
      run: perJob(ran.ops),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once `total` jobs were written as completed, counted in the workers' stores (no listing while measuring). */
function completionTally(total: number) {
  const completed: Job[] = [];
  let resolve!: (jobs: Job[]) => void;
  const done = new Promise<Job[]>((r) => (resolve = r));
  const wrap = (store: JobStore): JobStore => ({
    insert: (job) => store.insert(job),
    get: (id) => store.get(id),
    list: (query) => store.list(query),
    claimCandidates: (now, limit) => store.claimCandidates(now, limit),
    queueDepth: (now, limit) => store.queueDepth(now, limit),
    getExclusive: (pipeline) => store.getExclusive(pipeline),
    putExclusive: (next, expected) => store.putExclusive(next, expected),
    replace: (next, expected) =>
      store.replace(next, expected).pipe(
        Effect.tap((job) =>
          Effect.sync(() => {
            if (job.status !== "completed") return;
            completed.push(job);
            if (completed.length === total) resolve(completed);
          }),
        ),
      ),
  });
  return { wrap, done };
}

function startWorkers(s: Setup, runner: ProcessRunner, concurrency: number, total: number): { workers: JobWorker[]; done: Promise<Job[]> } {
  const tally = completionTally(total);
  const workers = s.stores.map((store, index) => {
    const worker = new JobWorker(
      { store: tally.wrap(store), logs: s.workerLogs?.[index] ?? s.logs, runner, clock, ids, service: s.service },
      { workerId: `bench-${index}`, concurrency, leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 5, cancelPollMs: 1_000, random: Math.random, maxBufferedLines: 1000 },
    );
    worker.start();
    return worker;
  });
  return { workers, done: tally.done };
}

async function throughput(kind: StoreKind, workers: number, jobs: number, spawn: boolean, tags: Record<string, unknown> = {}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-jobs-"));
  try {
    const shape = workersOf(kind, workers);
    const s = setup(kind, shape.workers, dir);
    for (let i = 0; i < jobs; i++) await Effect.runPromise(s.service.submit("noop"));
    const runner = spawn ? new ChildProcessRunner({ killGraceMs: 1000 }) : noopRunner;
    collectGarbage();
    let cpu!: NodeJS.CpuUsage;
    const { peakMiB, value: seconds } = await peakRssMiB(async () => {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const running = startWorkers(s, runner, spawn ? 2 : shape.concurrency, jobs);
      await running.done;
      const elapsed = (performance.now() - started) / 1000;
      cpu = process.cpuUsage(cpuBefore);
      await Promise.all(running.workers.map((worker) => worker.stop(1000)));
      return elapsed;
    });
    emit(`jobs.throughput.${kind}.${workers}w${spawn ? ".spawn" : ""}`, {
      store: kind,
      workers,
      ...(kind === "sqlite-wide" ? { worker_processes: 1, concurrency: shape.concurrency } : {}),
      runner: spawn ? "spawn `true`" : "in-process no-op",
      jobs,
      seconds: round(seconds, 2),
      jobs_per_s: round(jobs / seconds, 0),
      cpu_us_per_job: round((cpu.user + cpu.system) / jobs, 1),
      peak_rss_mib: peakMiB,
      loadavg_1_5_15: loadAverages(),
      ...tags,
    });
    return jobs / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latency(kind: StoreKind, samples: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-latency-"));
  try {
    const s = setup(kind, 1, dir);
    const running = startWorkers(s, noopRunner, 4, samples);
    const worker = running.workers[0];
    const submitted: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < samples; i++) {
      const at = performance.now();
      const job = await Effect.runPromise(s.service.submit("noop"));
      worker!.wake();
      submitted.push({ id: job.id, at });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const done = await running.done;
    await worker!.stop(1000);
    // Wall-clock ms from the job's own record: submitted → started.
    const delays = done.map((job) => job.history.find((event) => event.kind === "started")!.at - job.createdAt).sort((a, b) => a - b);
    emit(`jobs.latency.${kind}`, { store: kind, samples, submit_to_start_p50_ms: percentile(delays, 50), submit_to_start_p99_ms: percentile(delays, 99), resolution_ms: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SQLite statements (and commits) per no-op job, 1 worker of concurrency 8, the run only
 * (claim, log, completion; not the submissions), and the pages those commits wrote to the WAL
 * (`wal_pages_per_job`; the worker's connection does not checkpoint during the run, so the
 * WAL holds every frame). Counted, not timed: the figures do not depend on the machine's load.
 * A statement costs ~3–5 µs here; a commit's cost follows the pages it writes (~5–6 µs a page),
 * not the number of commits (see the jobs adapters' README).
 */
async function sqliteStatementsPerJob(jobs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-sqlite-statements-"));
  try {
    const s = setup("sqlite", 1, dir);
    for (let i = 0; i < jobs; i++) await Effect.runPromise(s.service.submit("noop"));
    const db = (s.stores[0] as SqliteJobStore).db;
    db.pragma("wal_autocheckpoint = 0");
    db.pragma("wal_checkpoint(TRUNCATE)");
    const { statements, total } = await countSqliteStatements(async () => {
      const running = startWorkers(s, noopRunner, 8, jobs);
      await running.done;
      await Promise.all(running.workers.map((worker) => worker.stop(1000)));
    });
    const [{ log: walPages }] = db.pragma("wal_checkpoint(PASSIVE)") as [{ log: number }];
    const perJob = Object.fromEntries(Object.entries(statements).sort((a, b) => b[1] - a[1]).map(([sql, count]) => [sql, round(count / jobs, 3)]));
    emit("jobs.sqlite_statements_per_job", {
      store: "sqlite",
      jobs,
      workers: 1,
      concurrency: 8,
      per_job_total: round(total / jobs, 2),
      commits_per_job: round((statements["COMMIT"] ?? 0) / jobs, 3),
      wal_pages_per_job: round(walPages / jobs, 2),
      per_job: perJob,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function logFanOut(lines: number, clients: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-logs-"));
  writeFileSync(
    join(dir, "pipelines.json"),
    JSON.stringify({ pipelines: [{ name: "spew", command: ["python3", "-c", `import sys\nw = sys.stdout.write\nfor i in range(${lines}): w('line %d of the benchmark log, long enough to look like real output\\n' % i)`] }] }),
  );
  const host = await startHost({ env: {}, overrides: { PORT: 0, HOST: "127.0.0.1", DATA_DIR: join(dir, "data"), LOG_LEVEL: "silent", RATE_LIMIT_RPS: 0, PIPELINES_FILE: join(dir, "pipelines.json"), JOB_POLL_MS: 50 } });
  try {
    const url = host.url().replace("http", "ws");
    const sockets = await Promise.all(
      Array.from({ length: clients }, () => new Promise<WebSocket>((resolve) => {
        const socket = new WebSocket(`${url}/api/logs`);
        socket.once("open", () => resolve(socket));
      })),
    );
    let firstLine = 0;
    const received = sockets.map(() => 0);
    const finished = sockets.map(
      (socket, index) =>
        new Promise<number>((resolve) => {
          socket.on("message", (data) => {
            const message = JSON.parse(String(data)) as { type: string };
            if (message.type === "log") {
              firstLine ||= performance.now();
              received[index]!++;
            } else if (message.type === "complete" || message.type === "error") resolve(performance.now());
          });
        }),
    );
    const submittedAt = performance.now();
    const response = await fetch(`${host.url()}/api/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pipeline: "spew" }) });
    if (!response.ok) throw new Error(await response.text());
    const ends = await Promise.all(finished);
    const seconds = (Math.max(...ends) - submittedAt) / 1000;
    const delivered = received.reduce((a, b) => a + b, 0);
    emit("jobs.log_fanout", {
      clients,
      lines_per_client: Math.min(...received),
      seconds_submit_to_last_complete: round(seconds, 2),
      lines_per_s_per_client: round(Math.min(...received) / seconds, 0),
      lines_per_s_delivered_total: round(delivered / seconds, 0),
      store: "file",
    });
    for (const socket of sockets) socket.close();
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { jobs: { type: "string", default: "5000" }, lines: { type: "string", default: "100000" }, only: { type: "string", default: "" }, rounds: { type: "string", default: "1" }, "vs-bullmq": { type: "boolean", default: false } },
  });
  const jobs = Number(values.jobs);
  const wanted = (name: string) => name.startsWith(values.only);
  const persistences: RedisPersistence[] = values["vs-bullmq"] ? ["none", "everysec", "always"] : [];
  const kinds: string[] = ["memory", "file", "sqlite", "sqlite-oneconn", "sqlite-wide", "sqlite-filelogs", "sqlite-full", ...persistences.map(partnerName)];
  // One redis-server per persistence setting, the same for every round, by its partner's name.
  const redis = new Map<string, Redis>();
  try {
    for (const persistence of persistences) redis.set(partnerName(persistence), await startRedis(persistence));
    for (let pass = 1; pass <= Number(values.rounds); pass++) {
      // Alternate the order between rounds so a drift in the machine's load does not favour one store.
      const order = pass % 2 === 1 ? kinds : [...kinds].reverse();
      for (const workers of [1, 4]) {
        const measured = new Map<string, number>();
        // `--vs-bullmq` runs BullMQ beside whichever stores `--only` selected (its own name need not match).
        // One worker has one connection and 8 slots either way: `sqlite-oneconn` and `sqlite-wide` are `sqlite` there.
        const isPartner = (kind: string) => redis.has(kind);
        const selected = (kind: string) => !((kind === "sqlite-oneconn" || kind === "sqlite-wide") && workers === 1) && wanted(`throughput.${kind}.${workers}w`);
        const anyStore = order.some((kind) => !isPartner(kind) && selected(kind));
        for (const kind of order) {
          if (isPartner(kind)) {
            if (anyStore || selected(kind)) measured.set(kind, await bullmqThroughput(redis.get(kind)!, workers, jobs, { round: pass }));
          } else if (selected(kind)) measured.set(kind, await throughput(kind as StoreKind, workers, jobs, false, { round: pass }));
        }
        const bullmq = measured.get(partnerName("none"));
        if (bullmq !== undefined) {
          const stores = [...measured].filter(([kind]) => !isPartner(kind));
          const ratios = Object.fromEntries(stores.map(([kind, perSecond]) => [kind, round(perSecond / bullmq, 2)]));
          // The same durability on both sides: a killed process loses no acknowledged job with
          // `normal` or `appendfsync everysec`; a power cut none with `full` or `appendfsync always`.
          const ratio = (store: string, partner: string) => (measured.has(store) && measured.has(partner) ? round(measured.get(store)! / measured.get(partner)!, 2) : undefined);
          const sameDurability = { "sqlite / bullmq-aof-everysec": ratio("sqlite", partnerName("everysec")), "sqlite-full / bullmq-aof-always": ratio("sqlite-full", partnerName("always")) };
          emit(`jobs.vs_bullmq.${workers}w`, { round: pass, workers, jobs, bullmq_jobs_per_s: round(bullmq, 0), ratio_to_bullmq: ratios, same_durability: sameDurability, loadavg_1_5_15: loadAverages() });
        }
      }
    }
    if (wanted("sqlite_floor") || wanted("sqlite_thread_model")) {
      const partner = redis.get(partnerName("none"));
      const bullmq = partner && (await bullmqThroughput(partner, 1, Math.min(jobs, 20_000), { for: "sqlite_floor and sqlite_thread_model" }));
      if (wanted("sqlite_floor")) {
        // The loop's figure after one run to warm it up (compiled code): the floor runs warm too.
        await throughput("memory", 1, Math.min(jobs, 20_000), false, { for: "sqlite_floor", warm_up: true });
        sqliteFloor(Math.min(jobs, 20_000), await throughput("memory", 1, Math.min(jobs, 20_000), false, { for: "sqlite_floor" }), bullmq);
      }
      if (wanted("sqlite_thread_model")) await sqliteThreadModel(Math.min(jobs, 20_000), bullmq);
    }
  } finally {
    for (const server of redis.values()) await server.stop();
  }
  if (wanted("throughput.sqlite.processes")) await sqliteProcesses(Math.min(jobs, 20_000));
  if (wanted("sqlite_op_us")) await sqliteOpMicros(2000);
  if (wanted("sqlite_statements_per_job")) await sqliteStatementsPerJob(Math.min(jobs, 20_000));
  if (wanted("file_ops_per_job")) await fileOpsPerJob(Math.min(jobs, 2000));
  if (wanted("throughput.file.4w.spawn")) await throughput("file", 4, Math.min(jobs, 500), true);
  for (const kind of ["memory", "file", "sqlite"] as const) if (wanted(`latency.${kind}`)) await latency(kind, 500);
  if (wanted("latency.file.cross_process")) await crossProcessLatency(200, 100);
  if (wanted("log_fanout")) await logFanOut(Number(values.lines), 10);
  if (wanted("list_owner.sqlite")) await listOwner();
  if (wanted("list_owner.dynamodb")) await listOwnerDynamodb();
}
