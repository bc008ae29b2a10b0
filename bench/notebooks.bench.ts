/**
 * `npm run bench -- notebooks [--duration S]`
 * 1. opening a stored 49 MiB notebook with 2,000 image outputs against its floor and nbformat (notebooks-parse.ts);
 * 2. HTTP GET of a 1 MB notebook and PUT of a cell placement at 32 connections (autocannon),
 *    against a host running in its own process with the file store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { spawnHost } from "../apps/http/src/host/host-process.testkit.js";
import { imageNotebook, parseBenchmark } from "./notebooks-parse.js";
import { emit, round } from "./support.js";

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
  await parseBenchmark();
  await httpLoad(Number(values.duration));
}
