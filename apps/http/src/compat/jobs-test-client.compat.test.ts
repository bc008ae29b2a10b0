import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, ownStatus, until } from "../jobs/jobs.testkit.js";
import { EXAMPLE_TRAINING_CONFIG, rawRequest, startAnnotationWorkflow, untilJobReads, type AnnotationWorkflow } from "./annotation-workflow.testkit.js";

/**
 * The old Python jobs test client (CONTRACTS.md §C): it posts to the start routes with no
 * query and either no body or a JSON body without Content-Type, reads the reply only when
 * it is a 200, then polls `GET /api/jobs/{id}` until the job reads `completed` or `failed`;
 * it knows no other end.
 */
let workflow: AnnotationWorkflow;

beforeAll(async () => {
  workflow = await startAnnotationWorkflow();
});

afterAll(async () => {
  await workflow?.close();
});

/** The client's loop: poll until one of the two ends it knows. */
const pollToEnd = (id: string) =>
  until(async () => {
    const job = (await http(workflow.base, "GET", `/api/jobs/${id}`)).body;
    return job.status === "completed" || job.status === "failed" ? job : undefined;
  }, `job ${id} to read completed or failed`, 30_000);

describe("old jobs test client", () => {
  it("a start with no body and no Content-Type answers 200 with the job, which the client polls to completed", async () => {
    const started = await rawRequest(workflow.base, "POST", "/api/generate-training");
    expect(started).toEqual({ status: 200, body: { job_id: expect.any(String), name: "generate-training", status: "pending", message: "Training data generation started" } });
    expect(await pollToEnd(started.body.job_id)).toMatchObject({ status: "completed", exit_code: 0, error: null, command: expect.arrayContaining(["--tiles", "50"]) });
  });

  it("a JSON body without Content-Type is read like one with it: unknown keys ignored, 200", async () => {
    const started = await rawRequest(workflow.base, "POST", "/api/generate-training", { body: JSON.stringify({ source: "test-client", count: 3, extra: [1, 2] }) });
    expect(started).toMatchObject({ status: 200, body: { job_id: expect.any(String), name: "generate-training" } });
    expect(await pollToEnd(started.body.job_id)).toMatchObject({ status: "completed", command: expect.arrayContaining(["--tiles", "50"]) });
  });

  it("a cancelled job reads `failed` on GET /api/jobs/{id}, with an error saying it was cancelled; the generic API keeps `cancelled`", async () => {
    workflow.write("ml/config_1937.yaml", "epochs: 100000\n");
    try {
      const started = await rawRequest(workflow.base, "POST", "/api/train");
      expect(started.status).toBe(200);
      const id = started.body.job_id as string;
      await untilJobReads(workflow.base, id, "running");
      expect((await http(workflow.base, "POST", `/api/jobs/${id}/cancel`)).status).toBe(200);
      expect(await pollToEnd(id)).toMatchObject({ job_id: id, status: "failed", error: "Cancelled" });
      expect(await ownStatus(workflow.base, id)).toBe("cancelled");
      const listed = (await http(workflow.base, "GET", "/api/jobs?status=cancelled")).body as Array<{ job_id: string; status: string }>;
      expect(listed.find((job) => job.job_id === id)?.status).toBe("cancelled");
    } finally {
      workflow.write("ml/config_1937.yaml", EXAMPLE_TRAINING_CONFIG);
    }
  });

  it("a job with follow-ups reads `running` until they end, so apply-annotations polls to completed after verify ran", async () => {
    workflow.write("work/models/model.json", JSON.stringify({ tiles: 3 }));
    const body = JSON.stringify({ annotations: [{ osm_id: 5, existed: true }], source: "test-client" });
    const started = await rawRequest(workflow.base, "POST", "/api/apply-annotations", { body });
    expect(started.status).toBe(200);
    const done = await pollToEnd(started.body.job_id);
    expect(done).toMatchObject({ name: "apply-annotations", status: "completed" });
    expect((await http(workflow.base, "GET", "/api/status")).body.verification_stats).toMatchObject({ total_buildings: 4 });
  });
});
