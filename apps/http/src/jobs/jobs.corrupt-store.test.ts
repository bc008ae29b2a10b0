import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJob } from "@parallax/domain/jobs";
import { SqliteJobStore, sqliteJobsFile } from "@parallax/adapters/jobs";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http } from "./jobs.testkit.js";

/** A stored job that does not parse (torn, edited by hand, written by a foreign version) is a 500 for its reader, not a crash of the host. */
describe.each(["file", "sqlite"] as const)("a corrupt stored job (%s store)", (store) => {
  const work = mkdtempSync(join(tmpdir(), "parallax-jobs-corrupt-"));
  let host: Host;
  let base: string;

  beforeAll(async () => {
    host = await startTestHost({ DATA_DIR: join(work, "data"), JOBS_STORE: store, JOB_POLL_MS: 50, WORKER_DRAIN_MS: 0 });
    base = host.url();
  });

  afterAll(async () => {
    await host?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Writes job `torn` as a document that does not parse, where this store keeps it. */
  async function writeTornJob(): Promise<void> {
    const jobs = join(work, "data", "jobs");
    if (store === "file") {
      mkdirSync(join(jobs, "items", "torn"), { recursive: true });
      writeFileSync(join(jobs, "items", "torn", "1.json"), '{"id":"torn","status":');
      writeFileSync(join(jobs, "created", `${"1".padStart(15, "0")}~torn`), "");
      return;
    }
    // Another connection on the host's file, as another process (or a hand edit) would write.
    const sqlite = new SqliteJobStore(sqliteJobsFile(jobs));
    await Effect.runPromise(sqlite.insert(createJob({ id: "torn", pipeline: "p", command: ["true"] }, 1)));
    sqlite.db.prepare("UPDATE jobs SET doc = ? WHERE id = 'torn'").run('{"id":"torn","status":');
    sqlite.close();
  }

  it("answers 500 with the API's error shape to whoever reads it, and the host goes on answering", async () => {
    await writeTornJob();

    const read = await http(base, "GET", "/api/jobs/torn");
    expect(read.status).toBe(500);
    expect(read.body).toEqual({ detail: "Internal server error" });
    expect((await http(base, "GET", "/api/jobs")).status).toBe(500);
    expect((await http(base, "GET", "/api/health")).body).toEqual({ status: "ok" });
    expect((await http(base, "GET", "/api/jobs/other")).status).toBe(404);
  });
});
