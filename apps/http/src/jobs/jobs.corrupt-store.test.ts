import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http } from "./jobs.testkit.js";

/** A stored job that does not parse (torn, edited by hand, written by a foreign version) is a 500 for its reader, not a crash of the host. */
const work = mkdtempSync(join(tmpdir(), "parallax-jobs-corrupt-"));
let host: Host;
let base: string;

beforeAll(async () => {
  host = await startTestHost({ DATA_DIR: join(work, "data"), JOB_POLL_MS: 50, WORKER_DRAIN_MS: 0 });
  base = host.url();
});

afterAll(async () => {
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a corrupt stored job", () => {
  it("answers 500 with the API's error shape to whoever reads it, and the host goes on answering", async () => {
    const jobs = join(work, "data", "jobs");
    mkdirSync(join(jobs, "items", "torn"), { recursive: true });
    writeFileSync(join(jobs, "items", "torn", "1.json"), '{"id":"torn","status":');
    writeFileSync(join(jobs, "created", `${"1".padStart(15, "0")}~torn`), "");

    const read = await http(base, "GET", "/api/jobs/torn");
    expect(read.status).toBe(500);
    expect(read.body).toEqual({ detail: "Internal server error" });
    expect((await http(base, "GET", "/api/jobs")).status).toBe(500);
    expect((await http(base, "GET", "/api/health")).body).toEqual({ status: "ok" });
    expect((await http(base, "GET", "/api/jobs/other")).status).toBe(404);
  });
});
