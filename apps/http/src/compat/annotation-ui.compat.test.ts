import { existsSync, readFileSync } from "node:fs";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followUpJobId } from "@parallax/domain/jobs";
import { http, record, until, type Recorder } from "../jobs/jobs.testkit.js";
import { EXAMPLE_TRAINING_CONFIG, startAnnotationWorkflow, untilJobReads, type AnnotationWorkflow } from "./annotation-workflow.testkit.js";

/**
 * The annotation UI (CONTRACTS.md §C, "What the annotation UI … relies on"), driven as its
 * JavaScript drives the host: one `/api/logs` socket opened with the page, start routes
 * posted with JSON bodies and no query, waiting for one `complete` or `error` per job it
 * started and reading `job_id` and `message` from them, showing `/api/status`.
 */
let workflow: AnnotationWorkflow;
let ui: Recorder;

beforeAll(async () => {
  workflow = await startAnnotationWorkflow();
  ui = await record(`${workflow.wsBase}/api/logs`);
});

afterAll(async () => {
  await ui?.close();
  await workflow?.close();
});

const start = (path: string, body: unknown) => http(workflow.base, "POST", path, body);
/** The `complete` or `error` the UI is waiting for, the one that names its job at the top level. */
const endOf = (jobId: string, from = 0) => ui.waitFor((m) => (m.type === "complete" || m.type === "error") && m.job_id === jobId, { from, timeoutMs: 30_000 });
const endsNaming = (ids: readonly string[]) =>
  ui.messages.filter((m) => (m.type === "complete" || m.type === "error") && (ids.includes(m.job_id as string) || ids.includes((m.job as { job_id?: string } | undefined)?.job_id ?? "")));
const status = async () => (await http(workflow.base, "GET", "/api/status")).body;

describe("annotation UI", () => {
  it("status shows a numeric model_iou (or null) and the four verification_stats counts of the verification GeoJSON", async () => {
    expect(await status()).toMatchObject({ model_iou: null, verification_stats: null, training_tiles: 0, model_exists: false });
    workflow.write("work/models/metrics.json", JSON.stringify({ loss: 0.2, accuracy: 0.9, iou: 0.734 }));
    const stats = { total_buildings: 120, existed_high_conf: 70, existed_low_conf: 10, not_existed_high_conf: 25, not_existed_low_conf: 15, needs_verification: 25 };
    const geojson = { type: "FeatureCollection", features: [{ type: "Feature", geometry: null, properties: { osm_id: 1, existed: true } }], metadata: { stats } };
    workflow.write("work/data/verification.geojson", JSON.stringify(geojson));
    expect(await status()).toMatchObject({ model_iou: 0.734, verification_stats: stats, model_metrics: { iou: 0.734 } });
    workflow.write("work/models/metrics.json", JSON.stringify({ iou: "high" }));
    expect((await status()).model_iou).toBeNull();
  });

  it("start routes take the UI's JSON bodies ({source, count}, {source}) without a query: 200 with job_id, body ignored, defaults tiles=50 and config=ml/config_1937.yaml", async () => {
    const generate = await start("/api/generate-training", { source: "annotation-ui", count: 10 });
    expect(generate).toEqual({ status: 200, body: { job_id: expect.any(String), name: "generate-training", status: "pending", message: "Training data generation started" } });
    expect(await endOf(generate.body.job_id)).toMatchObject({ type: "complete", job: { status: "completed" } });
    expect((await http(workflow.base, "GET", `/api/jobs/${generate.body.job_id}`)).body.command).toEqual(expect.arrayContaining(["--tiles", "50"]));
    expect((await status()).training_tiles).toBe(50);

    const train = await start("/api/train", { source: "annotation-ui" });
    expect(train).toMatchObject({ status: 200, body: { job_id: expect.any(String), name: "train", status: "pending" } });
    expect(await endOf(train.body.job_id)).toMatchObject({ type: "complete" });
    expect((await http(workflow.base, "GET", `/api/jobs/${train.body.job_id}`)).body.command).toEqual(expect.arrayContaining(["--config", "ml/config_1937.yaml"]));

    const verify = await start("/api/verify", { source: "annotation-ui" });
    expect(verify).toMatchObject({ status: 200, body: { job_id: expect.any(String), name: "verify", status: "pending" } });
    expect(await endOf(verify.body.job_id)).toMatchObject({ type: "complete" });
    const shown = await status();
    expect(shown.model_iou).toEqual(expect.any(Number));
    expect(Object.keys(shown.verification_stats)).toEqual(
      expect.arrayContaining(["total_buildings", "needs_verification", "existed_high_conf", "existed_low_conf", "not_existed_high_conf", "not_existed_low_conf"]),
    );
  });

  it("complete carries a top-level job_id", async () => {
    const { body } = await start("/api/generate-training", { source: "annotation-ui", count: 5 });
    const complete = await endOf(body.job_id);
    expect(complete).toMatchObject({ type: "complete", job_id: body.job_id, job: { job_id: body.job_id, status: "completed" } });
  });

  it("error carries a top-level job_id and message", async () => {
    workflow.write("ml/config_1937.yaml", "epochs five\n");
    try {
      const { body } = await start("/api/train", { source: "annotation-ui" });
      const error = await endOf(body.job_id);
      expect(error).toMatchObject({ type: "error", job_id: body.job_id, message: "Process exited with code 1", error: "Process exited with code 1", job: { status: "failed" } });
    } finally {
      workflow.write("ml/config_1937.yaml", EXAMPLE_TRAINING_CONFIG);
    }
  });

  it("apply-annotations with the UI's extra `source` ends once: exactly one complete, after apply and verify both ran", async () => {
    // A model that predicts no building: the verification holds exactly the annotated ones.
    workflow.write("work/models/model.json", JSON.stringify({ tiles: 0 }));
    const from = ui.messages.length;
    const annotations = [{ osm_id: 901, existed: true, notes: "rebuilt" }, { osm_id: 902, existed: false }];
    const applied = await start("/api/apply-annotations", { annotations, source: "annotation-ui" });
    expect(applied).toMatchObject({ status: 200, body: { name: "apply-annotations", status: "pending" } });
    const applyId = applied.body.job_id as string;
    const complete = await endOf(applyId, from);
    // Both scripts' effects are there when the one complete arrives: apply's tiles and labels, verify's GeoJSON of them.
    expect(existsSync(workflow.path("work/data/corrected/osm_901.png")) && existsSync(workflow.path("work/data/corrected/osm_902.png"))).toBe(true);
    const verification = JSON.parse(readFileSync(workflow.path("work/data/verification.geojson"), "utf8"));
    const stats = { total_buildings: 2, existed_high_conf: 1, existed_low_conf: 0, not_existed_high_conf: 1, not_existed_low_conf: 0, needs_verification: 0 };
    expect(verification.metadata.stats).toEqual(stats);
    expect(complete).toMatchObject({ type: "complete", job_id: applyId, job: { job_id: applyId, name: "apply-annotations", status: "completed" } });
    expect((complete.job as { output: string[] }).output).toEqual(expect.arrayContaining(["applied 2 annotations", expect.stringMatching(/^verification: /)]));
    const verifyId = followUpJobId(applyId, 0, "verify");
    expect((await http(workflow.base, "GET", `/api/jobs/${verifyId}`)).body).toMatchObject({ name: "verify", status: "completed" });
    expect(ui.messages.slice(from).some((m) => m.type === "job_status" && (m.job as { job_id: string }).job_id === verifyId)).toBe(true);

    // Messages arrive in order: once a later job's complete is in, nothing more can come for these two.
    const barrier = await start("/api/generate-training", { source: "annotation-ui", count: 1 });
    await endOf(barrier.body.job_id, from);
    expect(endsNaming([applyId, verifyId])).toHaveLength(1);
    expect(await status()).toMatchObject({ verification_stats: stats, annotations_count: 2, corrected_tiles: 2 });
  });

  it("a start while a job of its exclusive pipeline runs answers 409 `Job already running: <name>`", async () => {
    workflow.write("ml/config_1937.yaml", "epochs: 100000\n");
    try {
      const { body } = await start("/api/train", { source: "annotation-ui" });
      await untilJobReads(workflow.base, body.job_id, "running");
      expect(await start("/api/train", { source: "annotation-ui" })).toEqual({ status: 409, body: { detail: "Job already running: train", job_id: body.job_id } });
      await http(workflow.base, "POST", `/api/jobs/${body.job_id}/cancel`);
      expect(await endOf(body.job_id)).toMatchObject({ type: "error", job_id: body.job_id, message: "Cancelled" });
    } finally {
      workflow.write("ml/config_1937.yaml", EXAMPLE_TRAINING_CONFIG);
    }
  });

  it("a socket that falls behind is closed (the UI reconnects), not silently skipped; the others get everything", async () => {
    const stalled = new WebSocket(`${workflow.wsBase}/api/logs`);
    await new Promise((resolve) => stalled.once("open", resolve));
    const raw = (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const closed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
    const { body } = await http(workflow.base, "POST", "/api/jobs", { pipeline: "chatty" });
    const from = ui.messages.length;
    await ui.waitFor((m) => m.type === "complete" && m.job_id === body.job_id, { from, timeoutMs: 60_000 });
    expect(ui.messages.slice(from).filter((m) => m.type === "log" && m.job_id === body.job_id).length).toBeGreaterThanOrEqual(60_000);
    raw.resume();
    // Today the send path terminates it (close code 1006); any close lets the UI reconnect.
    await closed;
    expect(stalled.readyState).toBe(WebSocket.CLOSED);
    const reconnected = await record(`${workflow.wsBase}/api/logs`);
    expect(await reconnected.waitFor((m) => m.type === "connected")).toMatchObject({ message: expect.any(String) });
    await reconnected.close();
  }, 90_000);
});
