import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http, record, until, type Recorder } from "./jobs.testkit.js";

/**
 * §C over real HTTP and WebSocket: the example pipelines file, with small scripts written
 * here at the paths it names, run by the embedded worker on the file store.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const work = mkdtempSync(join(tmpdir(), "parallax-jobs-contract-"));
const release = join(work, "release-train");

const scripts: Record<string, string> = {
  "generate_training.py": `
import argparse, os, sys
p = argparse.ArgumentParser(); p.add_argument("--tiles", type=int); p.add_argument("--out"); a = p.parse_args()
if a.tiles == 13: print("unlucky number of tiles", file=sys.stderr, flush=True); sys.exit(2)
os.makedirs(a.out, exist_ok=True)
for i in range(a.tiles):
    open(os.path.join(a.out, f"t{i}.png"), "wb").close(); print(f"generated tile {i}", flush=True)
`,
  "train.py": `
import argparse, json, os, time
p = argparse.ArgumentParser(); p.add_argument("--config"); p.add_argument("--data"); p.add_argument("--out"); a = p.parse_args()
print(f"training with {a.config}", flush=True)
while not os.path.exists(${JSON.stringify(release)}): time.sleep(0.02)
os.makedirs(a.out, exist_ok=True)
json.dump({"ok": True}, open(os.path.join(a.out, "model.json"), "w"))
json.dump({"accuracy": 0.93, "iou": 0.71}, open(os.path.join(a.out, "metrics.json"), "w"))
print("model saved", flush=True)
`,
  "verify.py": `
import argparse, glob, json, os
p = argparse.ArgumentParser(); p.add_argument("--models"); p.add_argument("--corrected"); p.add_argument("--out"); a = p.parse_args()
stats = {"corrected": len(glob.glob(os.path.join(a.corrected, "*.png"))), "passed": True}
json.dump({"type": "FeatureCollection", "features": [], "metadata": {"stats": stats}}, open(a.out, "w"))
print("verified", flush=True)
`,
  "apply_annotations.py": `
import argparse, json, os
p = argparse.ArgumentParser(); p.add_argument("--annotations"); p.add_argument("--out"); a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
for item in json.load(open(a.annotations))["annotations"]:
    open(os.path.join(a.out, f"osm_{item['osm_id']}.png"), "wb").close(); print(f"applied {item['osm_id']}", flush=True)
`,
};

let host: Host;
let base: string;
let feed: Recorder;

beforeAll(async () => {
  mkdirSync(join(work, "jobs"), { recursive: true });
  copyFileSync(join(repoRoot, "examples/pipelines.json"), join(work, "pipelines.json"));
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(work, "jobs", name), body.trimStart());
  host = await startTestHost({
    DATA_DIR: join(work, "data"),
    PIPELINES_FILE: join(work, "pipelines.json"),
    JOB_POLL_MS: 50,
    JOB_CANCEL_POLL_MS: 50,
    WORKER_CONCURRENCY: 2,
    WORKER_DRAIN_MS: 0,
    JOB_KILL_GRACE_MS: 500,
  });
  base = host.url();
  feed = await record(`${base.replace("http", "ws")}/api/logs`);
});

afterAll(async () => {
  feed?.close();
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

const job = (id: string) => http(base, "GET", `/api/jobs/${id}`).then((response) => response.body);
const finished = (id: string) => until(async () => ((await job(id)).status.match(/completed|failed|cancelled/) ? job(id) : undefined), `job ${id} to finish`);

describe("§C pipeline jobs", () => {
  it("answers health, and status from the configured probes", async () => {
    expect(existsSync(join(work, "work"))).toBe(false);
    expect(await http(base, "GET", "/api/health")).toEqual({ status: 200, body: { status: "ok" } });
    const status = await http(base, "GET", "/api/status");
    expect(status.body).toEqual({
      training_tiles: 0,
      corrected_tiles: 0,
      model_exists: false,
      model_metrics: null,
      model_iou: null,
      verification_stats: null,
      annotations_count: 0,
      current_job: null,
      recent_jobs: [],
    });
    expect(feed.messages[0]).toMatchObject({ type: "connected", message: expect.any(String) });
  });

  it("refuses training without data (400 with the pipeline's message)", async () => {
    expect(await http(base, "POST", "/api/train")).toEqual({ status: 400, body: { detail: "Training data not found. Generate training data first." } });
    expect(await http(base, "POST", "/api/generate-training?tiles=abc")).toMatchObject({ status: 400, body: { detail: expect.stringContaining("tiles") } });
  });

  it("generates training data: pending answer, job_status, log lines and complete on /api/logs", async () => {
    const response = await http(base, "POST", "/api/generate-training?tiles=3");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ job_id: expect.any(String), name: "generate-training", status: "pending", message: "Training data generation started" });
    const id = response.body.job_id as string;
    const done = await finished(id);
    expect(done).toMatchObject({ job_id: id, name: "generate-training", status: "completed", exit_code: 0, error: null });
    expect(done.command).toEqual(["python3", "jobs/generate_training.py", "--tiles", "3", "--out", "work/data/training"]);
    expect(done.output).toEqual(expect.arrayContaining(["generated tile 0", "generated tile 2"]));
    for (const key of ["created_at", "started_at", "completed_at"]) expect(Date.parse(done[key])).not.toBeNaN();
    await feed.waitFor((m) => m.type === "job_status" && (m.job as { job_id: string }).job_id === id);
    const line = await feed.waitFor((m) => m.type === "log" && m.message === "generated tile 1");
    expect(Date.parse(line.timestamp as string)).not.toBeNaN();
    const complete = await feed.waitFor((m) => m.type === "complete" && (m.job as { job_id: string }).job_id === id);
    expect(complete.job).toMatchObject({ status: "completed", output: expect.arrayContaining(["generated tile 2"]) });
    expect((await http(base, "GET", "/api/status")).body.training_tiles).toBe(3);
  });

  it("runs one training at a time (409), shows it to new clients, then verifies", async () => {
    const first = await http(base, "POST", "/api/train?config=ml/custom.yaml");
    expect(first.status).toBe(200);
    const id = first.body.job_id as string;
    await until(async () => ((await job(id)).status === "running" ? true : undefined), "training to run");
    expect(await http(base, "POST", "/api/train")).toEqual({ status: 409, body: { detail: "Job already running: train", job_id: id } });
    const late = await record(`${base.replace("http", "ws")}/api/logs`);
    await late.waitFor((m) => m.type === "job_status");
    expect(late.messages.slice(0, 2).map((m) => m.type)).toEqual(["connected", "job_status"]);
    expect((late.messages[1]!.job as { job_id: string; status: string })).toMatchObject({ job_id: id, status: "running" });
    late.close();
    expect((await http(base, "GET", "/api/status")).body.current_job).toMatchObject({ job_id: id, status: "running", command: expect.arrayContaining(["ml/custom.yaml"]) });
    writeFileSync(release, "");
    expect(await finished(id)).toMatchObject({ status: "completed" });
    const verify = await until(async () => {
      const jobs = (await http(base, "GET", "/api/jobs?pipeline=verify")).body as Array<{ job_id: string }>;
      return jobs[0];
    }, "the verify follow-up");
    expect(await finished(verify.job_id)).toMatchObject({ status: "completed" });
    const status = (await http(base, "GET", "/api/status")).body;
    expect(status).toMatchObject({ model_exists: true, model_metrics: { accuracy: 0.93 }, model_iou: 0.71, verification_stats: { passed: true } });
  });

  it("saves annotations and applies them, then verifies", async () => {
    expect(await http(base, "GET", "/api/annotations")).toEqual({ status: 200, body: { annotations: [], updated_at: null } });
    const saved = await http(base, "POST", "/api/annotations", { annotations: [{ osm_id: 1, existed: true }] });
    expect(saved).toEqual({ status: 200, body: { message: "Saved 1 annotations" } });
    const loaded = (await http(base, "GET", "/api/annotations")).body;
    expect(loaded.annotations).toEqual([{ osm_id: 1, existed: true }]);
    expect(Date.parse(loaded.updated_at)).not.toBeNaN();
    const applied = await http(base, "POST", "/api/apply-annotations", { annotations: [{ osm_id: 7, existed: true, notes: "ok" }, { osm_id: 8, existed: false }] });
    expect(applied.body).toMatchObject({ name: "apply-annotations", status: "pending" });
    expect(await finished(applied.body.job_id)).toMatchObject({ status: "completed", output: expect.arrayContaining(["applied 7", "applied 8"]) });
    await until(async () => {
      const verifies = (await http(base, "GET", "/api/jobs?pipeline=verify&status=completed")).body as unknown[];
      return verifies.length >= 2 ? true : undefined;
    }, "verify after apply");
    const status = (await http(base, "GET", "/api/status")).body;
    expect(status).toMatchObject({ annotations_count: 2, corrected_tiles: 2, verification_stats: { corrected: 2 } });
    expect(await http(base, "POST", "/api/apply-annotations", { annotations: [{ osm_id: "x" }] })).toMatchObject({ status: 422 });
  });

  it("reports a failing job with an error message on /api/logs", async () => {
    const response = await http(base, "POST", "/api/generate-training?tiles=13");
    const done = await finished(response.body.job_id);
    expect(done).toMatchObject({ status: "failed", exit_code: 2, error: "Process exited with code 2", output: expect.arrayContaining(["unlucky number of tiles"]) });
    const error = await feed.waitFor((m) => m.type === "error" && (m.job as { job_id: string }).job_id === response.body.job_id);
    expect(error).toMatchObject({ error: "Process exited with code 2", job: { status: "failed" } });
  });

  it("answers 404 for an unknown job, and serves the generic API", async () => {
    expect(await http(base, "GET", "/api/jobs/nope")).toEqual({ status: 404, body: { detail: "Job not found" } });
    expect(await http(base, "POST", "/api/jobs/nope/cancel")).toEqual({ status: 404, body: { detail: "Job not found" } });
    expect(await http(base, "POST", "/api/jobs", { pipeline: "ghost" })).toEqual({ status: 404, body: { detail: "Pipeline not found: ghost" } });
    const created = await http(base, "POST", "/api/jobs", { pipeline: "generate-training", params: { tiles: 2 } });
    expect(created).toMatchObject({ status: 201, body: { name: "generate-training", params: { tiles: 2 }, status: "pending" } });
    await finished(created.body.job_id);
    const logs = await http(base, "GET", `/api/jobs/${created.body.job_id}/logs?offset=1`);
    expect(logs.body.lines[0]).toMatchObject({ offset: 1, stream: "stdout", message: "generated tile 0" });
    const retried = await http(base, "POST", `/api/jobs/${created.body.job_id}/retry`);
    expect(retried).toEqual({ status: 409, body: { detail: "Only failed or cancelled jobs can be retried; job is completed" } });
    const recent = (await http(base, "GET", "/api/status")).body.recent_jobs as unknown[];
    expect(recent.length).toBeLessThanOrEqual(10);
    expect((await http(base, "GET", "/api/jobs?status=failed")).body).toHaveLength(1);
    expect((await http(base, "GET", "/openapi.json")).body.paths["/api/jobs/{id}/cancel"]).toBeDefined();
  });
});
