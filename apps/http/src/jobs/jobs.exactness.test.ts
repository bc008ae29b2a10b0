import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http, until } from "./jobs.testkit.js";

/**
 * §C details old clients match exactly, over real HTTP with the embedded worker on the file
 * store: the failure text after retries, what `output[]` holds, bad job ids, empty query
 * values and priorities.
 */
const work = mkdtempSync(join(tmpdir(), "parallax-jobs-exact-"));
let host: Host;
let base: string;

beforeAll(async () => {
  const python = (code: string) => ["python3", "-c", code, ""];
  writeFileSync(
    join(work, "pipelines.json"),
    JSON.stringify({
      pipelines: [
        { name: "flaky", command: python("import sys\nprint('trying', flush=True)\nsys.exit(3)"), max_attempts: 3, backoff_s: { base: 0, max: 0 } },
        { name: "chatty", command: python("for i in range({count}):\n    print(f'line {{i}}')"), params: { count: { type: "integer", default: 1500 } } },
        { name: "generate-training", command: python("print('tiles {tiles}')"), params: { tiles: { type: "integer", default: 50, min: 1 } } },
      ],
    }),
  );
  host = await startTestHost({ DATA_DIR: join(work, "data"), PIPELINES_FILE: join(work, "pipelines.json"), JOB_POLL_MS: 50, WORKER_DRAIN_MS: 0 });
  base = host.url();
});

afterAll(async () => {
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

const job = async (id: string) => (await http(base, "GET", `/api/jobs/${id}`)).body;
const finished = (id: string) => until(async () => ((await job(id)).status.match(/completed|failed|cancelled/) ? job(id) : undefined), `job ${id} to finish`);
const submit = async (pipeline: string, params: Record<string, unknown> = {}) => (await http(base, "POST", "/api/jobs", { pipeline, params })).body.job_id as string;

describe("§C exactness", () => {
  it("after retries the failure text is still exactly `Process exited with code N`", async () => {
    const done = await finished(await submit("flaky"));
    expect(done).toMatchObject({ status: "failed", exit_code: 3, error: "Process exited with code 3", attempt: 3, max_attempts: 3 });
    expect(done.history.at(-1)).toMatchObject({ kind: "failed", attempt: 3, reason: "Process exited with code 3" });
  });

  it("output[] holds the process's own lines only, the last 1,000; the log API has all of them and the system lines", async () => {
    const id = await submit("chatty");
    const done = await finished(id);
    expect(done.output).toHaveLength(1000);
    expect(done.output[0]).toBe("line 500");
    expect(done.output.at(-1)).toBe("line 1499");
    expect(done.output.some((line: string) => line.startsWith("[parallax]"))).toBe(false);
    const flaky = await finished(await submit("flaky"));
    expect(flaky.output).toEqual(["trying", "trying", "trying"]);

    const logs = (await http(base, "GET", `/api/jobs/${id}/logs?limit=10000`)).body;
    const own = logs.lines.filter((line: { stream: string }) => line.stream === "stdout");
    expect(own).toHaveLength(1500);
    expect(logs.lines.filter((line: { stream: string; message: string }) => line.stream === "system" && line.message.startsWith("[parallax]")).length).toBeGreaterThan(0);
  });

  it("JOB_OUTPUT_LINES sets how many lines output[] keeps", async () => {
    const small = await startTestHost({ DATA_DIR: join(work, "small"), PIPELINES_FILE: join(work, "pipelines.json"), JOB_POLL_MS: 50, WORKER_DRAIN_MS: 0, JOB_OUTPUT_LINES: 3 });
    try {
      const id = (await http(small.url(), "POST", "/api/jobs", { pipeline: "chatty", params: { count: 20 } })).body.job_id as string;
      const done = await until(async () => {
        const current = (await http(small.url(), "GET", `/api/jobs/${id}`)).body;
        return current.status === "completed" ? current : undefined;
      }, "the chatty job");
      expect(done.output).toEqual(["line 17", "line 18", "line 19"]);
    } finally {
      await small.close();
    }
  });

  it("job ids too long for a file name, or with unsafe characters, are 404 Job not found (was a 500)", async () => {
    for (const id of ["a".repeat(256), "b".repeat(129), "x%20y", "-dash", "%E2%80%AE", ".hidden"]) {
      expect(await http(base, "GET", `/api/jobs/${id}`), id).toEqual({ status: 404, body: { detail: "Job not found" } });
      expect(await http(base, "GET", `/api/jobs/${id}/logs`), id).toEqual({ status: 404, body: { detail: "Job not found" } });
      expect(await http(base, "POST", `/api/jobs/${id}/cancel`), id).toEqual({ status: 404, body: { detail: "Job not found" } });
      expect(await http(base, "POST", `/api/jobs/${id}/retry`), id).toEqual({ status: 404, body: { detail: "Job not found" } });
    }
  });

  it("an empty ?tiles= is a 400, an absent one takes the default", async () => {
    expect(await http(base, "POST", "/api/generate-training?tiles=")).toEqual({ status: 400, body: { detail: "Parameter 'tiles': expected a number, got ''" } });
    const started = await http(base, "POST", "/api/generate-training");
    expect(started.status).toBe(200);
    expect((await finished(started.body.job_id)).output).toEqual(["tiles 50"]);
  });

  it("priority is bounded: an integer in -100..100, else 422", async () => {
    for (const priority of [2 ** 53 - 1, 101, -101, 1.5]) {
      const response = await http(base, "POST", "/api/jobs", { pipeline: "chatty", params: { count: 1 }, priority });
      expect(response.status, String(priority)).toBe(422);
      expect(response.body.detail).toMatch(/priority/);
    }
    for (const priority of [100, -100, 0]) {
      const response = await http(base, "POST", "/api/jobs", { pipeline: "chatty", params: { count: 1 }, priority });
      expect(response).toMatchObject({ status: 201, body: { priority } });
    }
  });
});
