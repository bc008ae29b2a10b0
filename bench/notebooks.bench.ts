/**
 * `npm run bench -- notebooks [--duration S] [--rounds N]`
 * 1. opening a stored 49 MiB notebook with 2,000 image outputs against its floor and nbformat (notebooks-parse.ts);
 * 2. HTTP GET of a 1 MB notebook (`/notebooks/<name>` and `/notebooks/<name>/download`) and PUT
 *    of a cell placement at 32 connections (autocannon), against a host running in its own
 *    process with the file store. Each GET figure comes with its comparison partner from the same
 *    round: a plain `node:http` server in its own process answering the same bytes from memory
 *    (`plain-notebook-server.ts`), measured right before or after the host (the order alternates
 *    between rounds), and the host's `ratio_to_plain_node`, with the machine's load averages.
 *    Both servers are warmed up (unrecorded) first; each figure also gives the server's CPU per
 *    request (`server_cpu_us_per_request`, from /proc), steadier than requests/s on a busy machine.
 *    `--rounds N` repeats GET, download and PUT N times; `notebooks.http_summary` gives the medians
 *    and the ratios of all rounds' requests together.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { freePort, spawnHost } from "../apps/http/src/host/host-process.testkit.js";
import { imageNotebook, parseBenchmark } from "./notebooks-parse.js";
import { emit, loadAverages, round } from "./support.js";

function summarise(result: autocannon.Result) {
  return {
    requests_per_s: round(result.requests.average, 1),
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors,
    total_requests: result.requests.total,
  };
}


/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is none. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th,
    // in clock ticks (USER_HZ, 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A load run with the server's CPU per answered request: steadier than requests/s on a busy machine. */
async function measure(pid: number, run: () => Promise<autocannon.Result>): Promise<{ result: autocannon.Result; cpuUsPerRequest: number }> {
  const before = cpuSeconds(pid);
  const result = await run();
  return { result, cpuUsPerRequest: round(((cpuSeconds(pid) - before) / result.requests.total) * 1e6, 0) };
}

const CONNECTIONS = 32;
const WARM_UP_S = 2;

/** The plain `node:http` partner (`plain-notebook-server.ts`) in its own process, as the host is. */
async function spawnPlainNode(file: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "bench/plain-notebook-server.ts"), file, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`plain node server exited with ${code}`)));
    child.stdout!.once("data", () => resolve());
  });
  child.removeAllListeners("exit");
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Both servers must answer the same bytes and content headers, else the ratio compares different work. */
async function assertSameAnswer(hostUrl: string, plainUrl: string, path: string): Promise<void> {
  const [host, plain] = await Promise.all([fetch(hostUrl + path), fetch(plainUrl + path)]);
  const [hostBody, plainBody] = await Promise.all([host.arrayBuffer(), plain.arrayBuffer()]);
  for (const header of ["content-type", "content-length", "content-disposition"]) {
    if (host.headers.get(header) !== plain.headers.get(header)) throw new Error(`${path}: ${header} differs: host ${host.headers.get(header)}, plain node ${plain.headers.get(header)}`);
  }
  if (host.status !== 200 || plain.status !== 200 || !Buffer.from(hostBody).equals(Buffer.from(plainBody))) throw new Error(`${path}: the host and plain node answer different bodies`);
}

const get = (url: string, durationSeconds: number) => autocannon({ url, connections: CONNECTIONS, duration: durationSeconds });

/**
 * GET of the notebook and of its download against the host and the plain Node partner, both
 * running throughout, measured one after the other in an order that alternates between rounds
 * (a drift in the machine's load favours neither); then the PUT of a cell placement on the host.
 */
async function httpLoad(durationSeconds: number, rounds: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-notebooks-"));
  const host = await spawnHost({ DATA_DIR: dataDir, LOG_LEVEL: "warn" });
  let plain: Awaited<ReturnType<typeof spawnPlainNode>> | undefined;
  try {
    const notebook = imageNotebook(40, 19_000); // ≈ 1 MB
    const body = JSON.stringify(notebook);
    const form = new FormData();
    form.append("file", new Blob([body]), "bench.ipynb");
    const upload = await fetch(`${host.url}/convert/bench`, { method: "POST", body: form });
    if (upload.status !== 200) throw new Error(`upload failed: ${upload.status}`);
    const stored = join(dataDir, "notebooks", "bench.ipynb");
    const notebookMb = round(statSync(stored).size / 1024 / 1024, 2);
    plain = await spawnPlainNode(stored);
    const routes = [
      { benchmark: "notebooks.http_get_1mb", path: "/notebooks/bench.ipynb" },
      { benchmark: "notebooks.http_download_1mb", path: "/notebooks/bench.ipynb/download" },
    ];
    for (const { path } of routes) await assertSameAnswer(host.url, plain.url, path);
    // Unrecorded: both servers' code optimised before the first figure.
    for (const { path } of routes) for (const url of [host.url, plain.url]) await get(`${url}${path}`, WARM_UP_S);

    const ratios = new Map<string, number[]>(routes.map(({ benchmark }) => [benchmark, []]));
    const totals = new Map<string, { host: number; plain: number }>(routes.map(({ benchmark }) => [benchmark, { host: 0, plain: 0 }]));
    const puts: number[] = [];
    for (let pass = 1; pass <= rounds; pass++) {
      for (const { benchmark, path } of routes) {
        const servers = pass % 2 === 1 ? (["host", "plain"] as const) : (["plain", "host"] as const);
        const measured: Partial<Record<"host" | "plain", { result: autocannon.Result; cpuUsPerRequest: number }>> = {};
        for (const server of servers) {
          const [url, pid] = server === "host" ? [host.url, host.child.pid!] : [plain.url, plain.pid];
          measured[server] = await measure(pid, () => get(`${url}${path}`, durationSeconds));
        }
        const ratio = measured.host!.result.requests.average / measured.plain!.result.requests.average;
        ratios.get(benchmark)!.push(ratio);
        totals.get(benchmark)!.host += measured.host!.result.requests.total;
        totals.get(benchmark)!.plain += measured.plain!.result.requests.total;
        emit(benchmark, {
          round: pass,
          path,
          notebook_mb: notebookMb,
          connections: CONNECTIONS,
          ...summarise(measured.host!.result),
          server_cpu_us_per_request: measured.host!.cpuUsPerRequest,
          plain_node: { ...summarise(measured.plain!.result), server_cpu_us_per_request: measured.plain!.cpuUsPerRequest },
          ratio_to_plain_node: round(ratio, 3),
          order: servers.join(","),
          loadavg_1_5_15: loadAverages(),
        });
      }

      let next = 0;
      const put = await autocannon({
        url: host.url,
        connections: CONNECTIONS,
        duration: durationSeconds,
        requests: [
          {
            method: "PUT",
            headers: { "content-type": "application/json" },
            setupRequest: (request) => {
              const index = next++ % notebook.cells.length;
              return { ...request, path: `/notebooks/bench.ipynb/cells/${index}/spatial`, body: JSON.stringify({ x: index, y: 1, z: 2, pitch: 0, yaw: 90, roll: 0 }) };
            },
          },
        ],
      });
      puts.push(put.requests.average);
      emit("notebooks.http_put_spatial_1mb", { round: pass, connections: CONNECTIONS, storage: "file (fsync per write)", ...summarise(put), loadavg_1_5_15: loadAverages() });
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length / 2;
      return round(Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!, 3);
    };
    const pooled = (benchmark: string) => round(totals.get(benchmark)!.host / totals.get(benchmark)!.plain, 3);
    emit("notebooks.http_summary", {
      rounds,
      duration_s: durationSeconds,
      get_ratio_to_plain_node: median(ratios.get("notebooks.http_get_1mb")!),
      download_ratio_to_plain_node: median(ratios.get("notebooks.http_download_1mb")!),
      put_spatial_requests_per_s: round(median(puts), 1),
      statistic: "median over rounds",
      // All rounds' requests together, host over plain node (the same time given to each).
      get_pooled_ratio_to_plain_node: pooled("notebooks.http_get_1mb"),
      download_pooled_ratio_to_plain_node: pooled("notebooks.http_download_1mb"),
      loadavg_1_5_15: loadAverages(),
    });
  } finally {
    await plain?.stop();
    await host.stop("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { duration: { type: "string", default: "10" }, rounds: { type: "string", default: "1" } } });
  await parseBenchmark();
  await httpLoad(Number(values.duration), Number(values.rounds));
}
