/**
 * The host's responsiveness while WebSocket clients that never read hang on a notebook whose
 * cell prints 20 MB (issue 14): 10 stalled clients plus one reader, `/health` sampled every
 * 10 ms on a host in its own process. Prints the host's RSS growth and the `/health` latency
 * percentiles, with the bounds the issue sets (growth < 300 MiB, p99 < 100 ms). Latency is a
 * benchmark figure, not a test assertion: on a shared 2-core machine a parallel test file can
 * starve the host for longer than the bound, whatever the host does.
 *
 * Its comparison partners: `/health` with nothing running, on the same host just before (the
 * machine's own share of the latency), and the same cell with the reader alone on a fresh host of
 * its own (what the 20 MB costs without stalled clients), so the stalled clients' own cost is the
 * difference.
 *
 *   npm run bench -- slow-clients [clients=10]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHost, spawnHost, type HostProcess } from "../apps/http/src/host/host-process.testkit.js";
import { NotebookSocketClient, notebookWithCell, stalledNotebookClient } from "../apps/http/src/reactive/reactive-test-client.testkit.js";
import { emit, percentile, round } from "./support.js";

const MiB = 1024 * 1024;
const IDLE_MS = 3_000;
const CELL = "for i in range(200_000):\n    print('y' * 99)";

/** The 20 MB cell run once in a fresh notebook with `stalled` clients that never read, `/health` sampled meanwhile. */
async function runCell(host: HostProcess, stalled: number) {
  const { notebookId, cellId } = await notebookWithCell(host.url, "python", CELL);
  await Promise.all(Array.from({ length: stalled }, () => stalledNotebookClient(host.url, notebookId)));
  const reader = await NotebookSocketClient.connect(host.url, notebookId);
  try {
    const from = reader.messages.length;
    const sampling = sampleHost(host);
    reader.send({ type: "run_cell", cellId });
    const status = await reader.finalStatus(cellId, from, 120_000);
    const { baselineBytes, peakBytes, healthMs } = await sampling.stop();
    return {
      cell_status: status,
      stdout_bytes_to_reader: reader.stdout(cellId, from).length,
      rss_baseline_mib: round(baselineBytes / MiB, 1),
      rss_growth_mib: round((peakBytes - baselineBytes) / MiB, 1),
      health_requests: healthMs.length,
      health_p50_ms: round(percentile(healthMs, 50), 1),
      health_p99_ms: round(percentile(healthMs, 99), 1),
    };
  } finally {
    await reader.close();
  }
}

/** `measure` on a host of its own, in its own DATA_DIR, stopped afterwards. */
async function onFreshHost<T>(measure: (host: HostProcess) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-slow-"));
  const host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "memory", CELL_TIMEOUT_S: "120", MAX_CELL_STDOUT: "25000000" });
  try {
    return await measure(host);
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  if (spawnSync("python3", ["--version"]).status !== 0) {
    process.stderr.write("slow-clients: python3 not found\n");
    return;
  }
  const clients = Number(args[0] ?? 10);
  const { idle, stalled } = await onFreshHost(async (host) => {
    const idleSampling = sampleHost(host);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = (await idleSampling.stop()).healthMs;
    return { idle, stalled: await runCell(host, clients) };
  });
  const readerAlone = await onFreshHost((host) => runCell(host, 0));
  emit("slow-clients", {
    clients,
    ...stalled,
    bounds: { rss_growth_mib: 300, health_p99_ms: 100 },
    within_bounds: stalled.rss_growth_mib < 300 && stalled.health_p99_ms < 100,
    partners: {
      idle: { health_requests: idle.length, health_p50_ms: round(percentile(idle, 50), 1), health_p99_ms: round(percentile(idle, 99), 1) },
      reader_alone: readerAlone,
    },
    load_average_1m: round(loadavg()[0]!, 2),
  });
}
