import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { USER_KEYS as KEYS, apiKeyUsers, requestAs, type TestUser as User } from "../host/auth/api-key-users.testkit.js";
import { WebSocketRecorder } from "../host/websocket-recorder.testkit.js";

/**
 * Issue 10, ownership of jobs: a job belongs to whoever submitted it (its follow-ups too); another
 * user cannot see, read the log of, cancel or retry it (404 "Job not found", as for a missing
 * job), nor receive its lines on /api/logs; a user with ADMIN_ROLE sees every job.
 */

const work = mkdtempSync(join(tmpdir(), "parallax-jobs-owners-"));
let host: Host;

beforeAll(async () => {
  const pipelines = join(work, "pipelines.json");
  writeFileSync(pipelines, JSON.stringify({ base_dir: work, pipelines: [{ name: "echo", command: [process.execPath, "-e", "console.log('line of the job')"] }] }));
  host = await startTestHost({
    DATA_DIR: join(work, "data"),
    PIPELINES_FILE: pipelines,
    JOB_POLL_MS: 50,
    ADMIN_ROLE: "operator",
    ...apiKeyUsers("operator"),
  });
});
afterAll(async () => {
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

const as = (user: User, method: string, path: string, body?: unknown) => requestAs(host.url(), user, method, path, body);

const socketOf = (user: User, path: string) => WebSocketRecorder.open(`${host.url().replace("http", "ws")}${path}?token=${KEYS[user]}`);

describe("jobs belong to whoever submitted them", () => {
  let jobOfA: string;
  let feedOfB: WebSocketRecorder;
  let feedOfAdmin: WebSocketRecorder;

  beforeAll(async () => {
    feedOfB = await socketOf("b", "/api/logs");
    feedOfAdmin = await socketOf("admin", "/api/logs");
    jobOfA = (await as("a", "POST", "/api/jobs", { pipeline: "echo" })).body.job_id;
    await feedOfAdmin.waitFor((message) => message["type"] === "complete" && message["job_id"] === jobOfA);
  });
  afterAll(async () => {
    await feedOfB?.close();
    await feedOfAdmin?.close();
  });

  it("another user gets 404 on every route of the job, as for a missing one", async () => {
    for (const [method, path] of [
      ["GET", `/api/jobs/${jobOfA}`],
      ["GET", `/api/jobs/${jobOfA}/logs`],
      ["POST", `/api/jobs/${jobOfA}/cancel`],
      ["POST", `/api/jobs/${jobOfA}/retry`],
    ] as const) {
      expect(await as("b", method, path), `${method} ${path}`).toEqual({ status: 404, body: { detail: "Job not found" } });
    }
    expect((await as("a", "GET", `/api/jobs/${jobOfA}`)).body.status).toBe("completed");
  });

  it("lists, /api/status and the job's own socket show it to its owner and the admin only", async () => {
    const listed = async (user: User) => (await as(user, "GET", "/api/jobs")).body.map((job: { job_id: string }) => job.job_id);
    expect(await listed("a")).toContain(jobOfA);
    expect(await listed("admin")).toContain(jobOfA);
    expect(await listed("b")).not.toContain(jobOfA);
    const recent = async (user: User) => (await as(user, "GET", "/api/status")).body.recent_jobs.map((job: { job_id: string }) => job.job_id);
    expect(await recent("a")).toContain(jobOfA);
    expect(await recent("b")).not.toContain(jobOfA);
    expect((await as("admin", "GET", `/api/jobs/${jobOfA}/logs`)).status).toBe(200);

    const followedByB = await socketOf("b", `/api/jobs/${jobOfA}/logs`);
    expect(await followedByB.waitFor((message) => message["type"] === "error")).toEqual({ type: "error", error: "Job not found" });
    const followedByA = await socketOf("a", `/api/jobs/${jobOfA}/logs`);
    await followedByA.waitFor((message) => message["type"] === "log" && message["message"] === "line of the job");
    await followedByA.close();
  });

  it("/api/logs carries a job's lines to its owner and the admin, never to another user", async () => {
    // The admin's feed got the job's whole run; b's socket, open as long, got none of it.
    expect(feedOfAdmin.messages.some((message) => message["type"] === "log" && message["job_id"] === jobOfA)).toBe(true);
    const jobOfB = (await as("b", "POST", "/api/jobs", { pipeline: "echo" })).body.job_id;
    await feedOfB.waitFor((message) => message["type"] === "complete" && message["job_id"] === jobOfB);
    expect(feedOfB.messages.filter((message) => JSON.stringify(message).includes(jobOfA))).toEqual([]);
  });
});
