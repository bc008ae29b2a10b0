import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupAlive } from "@parallax/adapters/jobs";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http, ownStatus, record, startRemoteWorker, until } from "./jobs.testkit.js";

/**
 * The host without a worker (WORKER=off) and a headless `parallax worker` process sharing
 * DATA_DIR: jobs submitted over HTTP run in the other process, its logs stream to the
 * host's sockets, and a cancel requested on the host stops the process tree over there.
 */
const work = mkdtempSync(join(tmpdir(), "parallax-jobs-remote-"));
const marker = `parallax-remote-${process.pid}`;
const env = { DATA_DIR: join(work, "data"), PIPELINES_FILE: join(work, "pipelines.json") };
let host: Host;
let worker: ChildProcess;
let base: string;

beforeAll(async () => {
  writeFileSync(
    env.PIPELINES_FILE,
    JSON.stringify({
      pipelines: [
        { name: "hello", command: ["sh", "-c", "echo hello from $PARALLAX_JOB_ID; sleep 0.3; echo bye"] },
        { name: "forever", command: ["sh", "-c", "echo started; sleep 100 & sleep 100", marker] },
      ],
    }),
  );
  host = await startTestHost({ WORKER: "off", JOB_POLL_MS: 50, ...env });
  base = host.url();
  worker = await startRemoteWorker("remote-1", env);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGTERM");
    await new Promise((resolveExit) => worker.once("exit", resolveExit));
  }
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a host with a separate worker process", () => {
  it("runs submitted jobs in the worker and streams their logs to the host's sockets", async () => {
    const feed = await record(`${base.replace("http", "ws")}/api/logs`);
    const submitted = await http(base, "POST", "/api/jobs", { pipeline: "hello" });
    const id = submitted.body.job_id as string;
    const complete = await feed.waitFor((m) => m.type === "complete" && (m.job as { job_id: string }).job_id === id);
    expect(complete.job).toMatchObject({ status: "completed", worker: null });
    const lines = feed.messages.filter((m) => m.type === "log" && m.job_id === id).map((m) => m.message);
    expect(lines).toEqual(expect.arrayContaining([`hello from ${id}`, "bye"]));
    const job = (await http(base, "GET", `/api/jobs/${id}`)).body;
    expect(job.history.find((event: { kind: string }) => event.kind === "started").worker).toBe("remote-1");
    feed.close();
  });

  it("a cancel requested on the host stops the job's process tree in the worker within 2 s", async () => {
    const id = (await http(base, "POST", "/api/jobs", { pipeline: "forever" })).body.job_id as string;
    await until(async () => ((await http(base, "GET", `/api/jobs/${id}`)).body.status === "running" ? true : undefined), "the job to run");
    const pgid = await until(async () => {
      const row = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" })
        .split("\n")
        .find((line) => line.includes(`sh -c echo started; sleep 100 & sleep 100 ${marker}`));
      return row ? Number(row.trim().split(/\s+/)[1]) : undefined;
    }, "the job's process group");
    const requested = Date.now();
    expect((await http(base, "POST", `/api/jobs/${id}/cancel`)).status).toBe(200);
    await until(async () => ((await ownStatus(base, id)) === "cancelled" ? true : undefined), "cancelled", 2_000);
    expect(Date.now() - requested).toBeLessThan(2_000);
    expect(groupAlive(pgid)).toBe(false);
  });
});
