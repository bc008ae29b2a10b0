/**
 * The host's responsiveness while WebSocket clients that never read hang on a notebook whose
 * cell prints 20 MB (issue 14): 10 stalled clients plus one reader, `/health` sampled every
 * 10 ms on a host in its own process. Prints the host's RSS growth and the `/health` latency
 * percentiles, with the bounds the issue sets (growth < 300 MiB, p99 < 100 ms). Latency is a
 * benchmark figure, not a test assertion: on a shared 2-core machine a parallel test file can
 * starve the host for longer than the bound, whatever the host does.
 *
 *   npm run bench -- slow-clients [clients=10]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHost, spawnHost } from "../apps/http/src/host/host-process.testkit.js";
import { NotebookSocketClient, notebookWithCell, stalledNotebookClient } from "../apps/http/src/reactive/reactive-test-client.testkit.js";
import { emit, percentile, round } from "./support.js";

const MiB = 1024 * 1024;


export async function main(args: string[]): Promise<void> {
  if (spawnSync("python3", ["--version"]).status !== 0) {
    process.stderr.write("slow-clients: python3 not found\n");
    return;
  }
  const clients = Number(args[0] ?? 10);
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-slow-"));
  const host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "memory", CELL_TIMEOUT_S: "120", MAX_CELL_STDOUT: "25000000" });
  try {
    const { notebookId, cellId } = await notebookWithCell(host.url, "python", "for i in range(200_000):\n    print('y' * 99)");
    await Promise.all(Array.from({ length: clients }, () => stalledNotebookClient(host.url, notebookId)));
    const reader = await NotebookSocketClient.connect(host.url, notebookId);
    const from = reader.messages.length;
    const sampling = sampleHost(host);
    reader.send({ type: "run_cell", cellId });
    const status = await reader.finalStatus(cellId, from, 120_000);
    const { baselineBytes: baseline, peakBytes: peak, healthMs: latencies } = await sampling.stop();
    const p99 = percentile(latencies, 99);
    const growthMiB = (peak - baseline) / MiB;
    emit("slow-clients", {
      clients,
      cell_status: status,
      stdout_bytes_to_reader: reader.stdout(cellId, from).length,
      rss_baseline_mib: round(baseline / MiB, 1),
      rss_growth_mib: round(growthMiB, 1),
      health_requests: latencies.length,
      health_p50_ms: round(percentile(latencies, 50), 1),
      health_p99_ms: round(p99, 1),
      bounds: { rss_growth_mib: 300, health_p99_ms: 100 },
      within_bounds: growthMiB < 300 && p99 < 100,
      load_average_1m: round(loadavg()[0]!, 2),
    });
    await reader.close();
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
