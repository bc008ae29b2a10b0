/**
 * `npm run bench -- notebooks [--duration S]`
 * 1. parse + validate + chart extraction of a generated 50 MB notebook with 2,000 image outputs;
 * 2. HTTP GET of a 1 MB notebook and PUT of a cell placement at 32 connections (autocannon),
 *    against a host running in its own process with the file store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { extractCharts, validateNotebook, type Notebook } from "@parallax/domain/notebook";
import { spawnHost } from "../apps/http/src/host/host-process.testkit.js";
import { emit, peakRssMiB, round } from "./support.js";

function imageNotebook(cells: number, imageBytes: number): Notebook {
  const base64 = Buffer.alloc(imageBytes, 7).toString("base64");
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { chartPositions: {}, visionos_export: { export_date: "2026-11-21", total_windows: cells, window_types: ["chart"] } },
    cells: Array.from({ length: cells }, (_, i) => ({
      id: `cell-${i}`,
      cell_type: "code" as const,
      metadata: {},
      source: [`plt.plot(range(${i}))\n`, "plt.show()"],
      execution_count: i + 1,
      outputs: [{ output_type: "display_data" as const, data: { "image/png": base64, "text/plain": ["<Figure size 640x480>"] }, metadata: {} }],
    })),
  };
}

async function parseValidateExtract(): Promise<void> {
  const text = JSON.stringify(imageNotebook(2000, 19_000));
  const megabytes = Buffer.byteLength(text) / 1024 / 1024;
  const runs: number[] = [];
  let charts = 0;
  const { peakMiB } = await peakRssMiB(async () => {
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const verdict = validateNotebook(JSON.parse(text));
      if (!verdict.valid) throw new Error(verdict.errors.join("\n"));
      charts = extractCharts(verdict.notebook).length;
      runs.push(performance.now() - started);
    }
  });
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)]!;
  emit("notebooks.parse_validate_extract", {
    notebook_mb: round(megabytes, 1),
    image_outputs: charts,
    median_ms: round(median, 1),
    throughput_mb_per_s: round(megabytes / (median / 1000), 1),
    peak_rss_mib: peakMiB,
  });
}

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

async function httpLoad(durationSeconds: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-notebooks-"));
  const host = await spawnHost({ DATA_DIR: dataDir, LOG_LEVEL: "warn" });
  try {
    const notebook = imageNotebook(40, 19_000); // ≈ 1 MB
    const body = JSON.stringify(notebook);
    const form = new FormData();
    form.append("file", new Blob([body]), "bench.ipynb");
    const upload = await fetch(`${host.url}/convert/bench`, { method: "POST", body: form });
    if (upload.status !== 200) throw new Error(`upload failed: ${upload.status}`);

    const get = await autocannon({ url: `${host.url}/notebooks/bench.ipynb`, connections: 32, duration: durationSeconds });
    emit("notebooks.http_get_1mb", { notebook_mb: round(Buffer.byteLength(body) / 1024 / 1024, 2), connections: 32, ...summarise(get) });

    let next = 0;
    const put = await autocannon({
      url: host.url,
      connections: 32,
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
    emit("notebooks.http_put_spatial_1mb", { connections: 32, storage: "file (fsync per write)", ...summarise(put) });
  } finally {
    await host.stop("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { duration: { type: "string", default: "10" } } });
  await parseValidateExtract();
  await httpLoad(Number(values.duration));
}
