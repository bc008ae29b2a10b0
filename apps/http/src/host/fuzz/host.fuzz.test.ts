import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@parallax/domain";
import type { DeclaredRoutes } from "../host.js";
import { http } from "../http-client.testkit.js";
import { spawnHost, type HostProcess } from "../host-process.testkit.js";
import { compareSnapshot, snapshotFiles } from "./data-snapshot.testkit.js";
import { declaredRoutes } from "./declared-routes.testkit.js";
import { malformedPath, malformedRequest, malformedUpgrade, type MalformedRequest } from "./malformed-requests.testkit.js";
import { rawExchange, type RawExchange } from "../raw-http.testkit.js";
import { fuzzWebSocket } from "./websocket-messages.testkit.js";

/**
 * Issue 14's fuzz suite: a real host process, seeded with data, takes a stream of malformed
 * requests on every route its router declares, malformed upgrades on every path, and bad
 * messages on every WebSocket route. It must answer each without a 5xx (501 and 503 are
 * documented answers), stay alive throughout, and leave the stored files as they were.
 *
 * Reproducible: FUZZ_SEED picks the sequence, FUZZ_REQUESTS its length.
 */
const SEED = Number(process.env["FUZZ_SEED"] ?? 14);
const REQUESTS = Number(process.env["FUZZ_REQUESTS"] ?? 4_000);
const SOCKETS = 300;
const CONCURRENCY = 8;
const WS_MAX_MESSAGE_BYTES = 64 * 1024;
const DOCUMENTED_5XX = new Set([501, 503]);

const notebook = (source: string) =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { visionos_export: { export_date: "2025-01-01", total_windows: 1, window_types: ["code"] } },
    cells: [{ id: "c1", cell_type: "code", source, metadata: {}, outputs: [], execution_count: null }],
  });

/** A JSON request that must succeed (seeding is not what is tested). */
async function ok(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await http(base, method, path, body);
  if (response.status >= 300) throw new Error(`seeding failed: ${method} ${path} ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Stored data of every capability, so the fuzz has something to damage. */
async function seed(base: string): Promise<void> {
  for (const name of ["seed-a", "seed-b"]) {
    const form = new FormData();
    form.append("file", new Blob([notebook(`print("${name}")`)], { type: "application/json" }), "notebook.ipynb");
    const response = await fetch(`${base}/convert/${name}`, { method: "POST", body: form });
    if (!response.ok) throw new Error(`seeding failed: /convert/${name} ${response.status} ${await response.text()}`);
  }
  const { notebook_id } = await ok(base, "POST", "/api/v1/notebooks/");
  await ok(base, "POST", `/api/v1/notebooks/${notebook_id}/cells`, { type: "python", code: "x = 1" });
  await ok(base, "GET", "/api/v1/notebooks/");
  await ok(base, "POST", "/api/annotations", { annotations: [{ osm_id: 1, existed: true, notes: "seeded" }] });
  const job = await ok(base, "POST", "/api/jobs", { pipeline: "echo" });
  for (;;) {
    const { status } = await ok(base, "GET", `/api/jobs/${job.job_id}`);
    if (status === "completed") return;
    if (status === "failed") throw new Error("the seeded job failed");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

describe("fuzz: malformed input never takes the host down", () => {
  const work = mkdtempSync(join(tmpdir(), "parallax-fuzz-"));
  const dataDir = join(work, "data");
  let host: HostProcess;
  let routes: DeclaredRoutes;
  let before: Map<string, string>;

  beforeAll(async () => {
    routes = await declaredRoutes();
    rmSync(dataDir, { recursive: true, force: true });
    const pipelines = join(work, "pipelines.json");
    writeFileSync(pipelines, JSON.stringify({ base_dir: dataDir, pipelines: [{ name: "echo", command: [process.execPath, "-e", "console.log('seeded')"] }] }));
    host = await spawnHost({
      DATA_DIR: dataDir,
      STORAGE: "file",
      PIPELINES_FILE: pipelines,
      BODY_IDLE_TIMEOUT_MS: "1000",
      HEADERS_TIMEOUT_MS: "5000",
      REQUEST_TIMEOUT_MS: "10000",
      WS_MAX_MESSAGE_BYTES: String(WS_MAX_MESSAGE_BYTES),
      JOB_POLL_MS: "50",
    });
    await seed(host.url);
    // The tracking host prepares its environments (renders the demo) in the background after start:
    // the data is only settled once /health says it is ready.
    // Without ffmpeg the demo never renders: give up waiting after ~30 s.
    for (let i = 0; i < 300; i++) {
      const health = (await (await fetch(`${host.url}/health`)).json()) as Record<string, unknown>;
      if (health["homography_matrices_precomputed"] === true) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    before = snapshotFiles(dataDir);
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} malformed requests on every declared route and ${SOCKETS} hostile WebSocket clients without a 5xx, alive, data intact`, async () => {
    const started = performance.now();
    const random = mulberry32(SEED);
    const hostHeader = `127.0.0.1:${host.port}`;
    // Round-robin over routes so every declared route, socket paths included, gets its share.
    const targets = [...routes.http, ...routes.websocket.map((path) => ({ method: "WS", path }))];
    const requests: MalformedRequest[] = Array.from({ length: REQUESTS }, (_, i) => {
      const route = targets[i % targets.length]!;
      return route.method === "WS" ? malformedUpgrade(random, malformedPath(random, route.path), hostHeader) : malformedRequest(random, route, hostHeader);
    });

    const failures: string[] = [];
    // A dead host fails at once, with what it printed: every later request would only be refused.
    const assertAlive = (after: string) => {
      if (host.child.exitCode !== null) throw new Error(`host exited with ${host.child.exitCode} after: ${after}\n${host.output().slice(-3_000)}`);
    };
    const answered: Record<string, number> = {};
    let done = 0;
    await pool(requests, CONCURRENCY, async (request) => {
      const exchange: RawExchange = await rawExchange(host.port, request.bytes, request.options);
      const status = exchange.status === undefined ? "closed" : String(exchange.status);
      answered[status] = (answered[status] ?? 0) + 1;
      if (exchange.hung) failures.push(`hung: ${request.label}`);
      if (exchange.status !== undefined && exchange.status >= 500 && !DOCUMENTED_5XX.has(exchange.status)) {
        failures.push(`${exchange.status}: ${request.label}\n${exchange.head.slice(0, 400)}`);
      }
      assertAlive(request.label);
      if (++done % 200 === 0) expect((await fetch(`${host.url}/health`)).status, `/health after ${done} requests`).toBe(200);
    });

    // Sockets name things that do not exist, or a notebook the fuzz itself made (never one stored
    // before), so that messages after authentication are fuzzed too without touching seeded data.
    const { notebook_id: owned } = await ok(host.url, "POST", "/api/v1/notebooks/");
    const socketPaths = routes.websocket.flatMap((path) => [
      path.replace(/:[A-Za-z0-9_]+/g, () => `fuzz-${Math.floor(random() * 1e9)}`),
      ...(path.includes("/notebooks/:id") ? [path.replace(":id", owned)] : []),
    ]);
    const sockets = Array.from({ length: SOCKETS }, (_, i) => socketPaths[i % socketPaths.length]!);
    let frames = 0;
    await pool(sockets, CONCURRENCY, async (path) => {
      const result = await fuzzWebSocket(`ws://${hostHeader}${path}`, random, 12, WS_MAX_MESSAGE_BYTES, random() < 0.5);
      frames += result.sent;
      if (result.refused !== undefined && result.refused >= 500) failures.push(`${result.refused} on upgrade: ${result.label}`);
      if (result.closeCode === 1011) failures.push(`closed with 1011 (server error): ${result.label}`);
      assertAlive(result.label);
    });

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`fuzz seed ${SEED}: ${REQUESTS} requests over ${targets.length} routes, ${SOCKETS} sockets and ${frames} frames in ${seconds} s; answers ${JSON.stringify(answered)}`);
    expect(failures, host.output().slice(-4_000)).toEqual([]);
    // A 500 the client never saw (it had reset) still shows as an error in the host's log.
    expect(host.output().split("\n").filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    expect(host.child.exitCode).toBeNull();
    expect((await fetch(`${host.url}/health`)).status).toBe(200);
    const changes = compareSnapshot(dataDir, before);
    expect(changes, "files stored before the fuzz").toEqual({ missing: [], changed: [], unparseable: [] });
  }, 120_000);
});
