/**
 * The comparison partner of `npm run bench -- jobs --vs-bullmq`: BullMQ on a throwaway local
 * `redis-server` (Debian's), the same no-op jobs, measured in the same run as the stores.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectGarbage, emit, loadAverages, round } from "./support.js";


export interface Redis {
  readonly port: number;
  readonly persistence: RedisPersistence;
  /** CPU time redis-server has used so far (user + system, µs; the kernel counts it in clock ticks, 10 ms here). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time of process `pid` from `/proc/<pid>/stat` (fields 14 and 15: utime, stime), µs. */
function processCpuMicros(pid: number): number {
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(")").at(-1)!.trim().split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
}

/**
 * How redis-server keeps what BullMQ writes: `none` (memory only, lost with the process), or its
 * append-only file written before each reply and fsynced once a second (`everysec`: survives a
 * killed process, as the SQLite store's `synchronous=normal` does) or before each reply
 * (`always`: survives a power cut, as `synchronous=full` does; one fsync covers every client's
 * writes of an event-loop turn, as one covers a group commit).
 */
export type RedisPersistence = "none" | "everysec" | "always";

/** The partner's name in the benchmark's output: `bullmq`, `bullmq-aof-everysec`, `bullmq-aof-always`. */
export const partnerName = (persistence: RedisPersistence) => (persistence === "none" ? "bullmq" : `bullmq-aof-${persistence}`);

/** A throwaway `redis-server` on a free port, for `--vs-bullmq`. */
export async function startRedis(persistence: RedisPersistence = "none"): Promise<Redis> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const dir = mkdtempSync(join(tmpdir(), "parallax-bench-redis-"));
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...(persistence === "none" ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", persistence]), "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    server.stdout!.on("data", (chunk: Buffer) => ((output += chunk.toString()), output.includes("Ready to accept connections") && resolve()));
    server.once("exit", (code) => reject(new Error(`redis-server exited ${code}: ${output}`)));
  });
  return {
    port,
    persistence,
    cpuMicros: () => processCpuMicros(server.pid!),
    stop: async () => {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * BullMQ's no-op throughput: `jobs` added in bulk, then `workers` BullMQ workers (concurrency 8
 * each) until all completed. Its CPU per job is two processes' (this one's and redis-server's,
 * on the other core), the stores' one process's: both are printed, and their sum.
 */
export async function bullmqThroughput(redis: Redis, workers: number, jobs: number, tags: Record<string, unknown>): Promise<number> {
  const { port } = redis;
  const { Queue, Worker } = await import("bullmq");
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const queue = new Queue(name, { connection });
  for (let i = 0; i < jobs; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, () => ({ name: "noop", data: {} })));
  let completed = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  collectGarbage();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const redisCpuBefore = redis.cpuMicros();
  const running = Array.from({ length: workers }, () => {
    const worker = new Worker(name, async () => undefined, { connection, concurrency: 8 });
    worker.on("completed", () => ++completed === jobs && finish());
    return worker;
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = redis.cpuMicros() - redisCpuBefore;
  await Promise.all(running.map((worker) => worker.close()));
  await queue.obliterate({ force: true });
  await queue.close();
  const label = partnerName(redis.persistence);
  emit(`jobs.throughput.${label}.${workers}w`, { store: `${label} (redis-server, ${redis.persistence === "none" ? "no persistence" : `appendfsync ${redis.persistence}`})`, workers, jobs, seconds: round(seconds, 2), jobs_per_s: round(jobs / seconds, 0), cpu_us_per_job_node_side: round((cpu.user + cpu.system) / jobs, 1), cpu_us_per_job_redis_side: round(redisCpu / jobs, 1), cpu_us_per_job: round((cpu.user + cpu.system + redisCpu) / jobs, 1), loadavg_1_5_15: loadAverages(), ...tags });
  return jobs / seconds;
}
