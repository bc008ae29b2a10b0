import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { USER_KEYS as KEYS, apiKeyUsers, type TestUser as User } from "../host/auth/api-key-users.testkit.js";

/**
 * Issue 10, ownership of processing tasks: a task belongs to whoever started it; another user
 * gets §D's 404 on every route of it and its socket is closed as for a missing task, and does not
 * see it listed; ADMIN_ROLE sees every task. The tasks are written to the store directly: what
 * is tested is who may read them, not the tracking pipeline.
 */

const dataDir = mkdtempSync(join(tmpdir(), "parallax-task-owners-"));
const taskOfA = randomUUID();
const olderTask = randomUUID();
let host: Host;

function storeTask(taskId: string, owner?: string): void {
  const now = new Date().toISOString();
  const record = {
    task_id: taskId,
    environment_id: "factory",
    status: "COMPLETED",
    progress: 1,
    current_step: "Completed",
    details: "",
    start_time: now,
    last_update_time: now,
    total_sub_video_batches: 1,
    completed_sub_video_batches: 1,
    total_frames_estimate: 0,
    processed_frames_count: 0,
    ...(owner ? { owner } : {}),
  };
  mkdirSync(join(dataDir, "tracking", "tasks", taskId), { recursive: true });
  writeFileSync(join(dataDir, "tracking", "tasks", taskId, "state.json"), JSON.stringify(record));
}

beforeAll(async () => {
  storeTask(taskOfA, "user_a");
  // Stored before owners were kept: the local user's, so nobody's once authentication is on.
  storeTask(olderTask);
  host = await startTestHost({
    DATA_DIR: dataDir,
    STORAGE: "file",
    WORKER: "off",
    TRACKING_RUNNER: "host",
    ...apiKeyUsers(),
  });
});
afterAll(async () => {
  await host?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function as(user: User, method: string, path: string) {
  const response = await fetch(`${host.url()}${path}`, { method, headers: { "x-api-key": KEYS[user] } });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

function socketClose(user: User, taskId: string): Promise<{ code: number; reason: string; messages: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${host.url().replace("http", "ws")}/ws/tracking/${taskId}?frames=0`, { headers: { "x-api-key": KEYS[user] } });
    const messages: string[] = [];
    socket.on("message", (data) => messages.push(String(data)));
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString(), messages }));
    socket.once("error", reject);
  });
}

describe("processing tasks belong to whoever started them", () => {
  it("another user gets 404 Processing task not found. on every route of the task", async () => {
    for (const [method, path] of [
      ["GET", `/api/v1/processing-tasks/${taskOfA}/status`],
      ["POST", `/api/v1/processing-tasks/${taskOfA}/cancel`],
      ["GET", `/api/v1/processing-tasks/${taskOfA}/results`],
      ["GET", `/api/v1/processing-tasks/${taskOfA}/cameras`],
      ["GET", `/api/v1/processing-tasks/${taskOfA}/frames/cam1/0.jpg`],
    ] as const) {
      expect(await as("b", method, path), `${method} ${path}`).toEqual({ status: 404, body: { detail: "Processing task not found." } });
    }
    expect((await as("a", "GET", `/api/v1/processing-tasks/${taskOfA}/status`)).body.status).toBe("COMPLETED");
    expect((await as("admin", "GET", `/api/v1/processing-tasks/${taskOfA}/status`)).status).toBe(200);
    expect((await as("a", "GET", `/api/v1/processing-tasks/${taskOfA}/results`)).status).toBe(200);
  });

  it("lists show a task to its owner and the admin only", async () => {
    const listed = async (user: User) => (await as(user, "GET", "/api/v1/processing-tasks")).body.map((task: { task_id: string }) => task.task_id).sort();
    expect(await listed("a")).toEqual([taskOfA]);
    expect(await listed("b")).toEqual([]);
    expect(await listed("admin")).toEqual([taskOfA, olderTask].sort());
  });

  it("another user's socket is closed as for a missing task; the owner's gets the final status", async () => {
    expect(await socketClose("b", taskOfA)).toEqual({ code: 4404, reason: "Processing task not found.", messages: [] });
    const owners = await socketClose("a", taskOfA);
    expect(owners.code).toBe(1000);
    expect(owners.messages.map((message) => JSON.parse(message).type)).toEqual(["status_update"]);
    expect(owners.messages[0]).not.toContain("owner");
  });

  it("the status body on the wire carries no owner", async () => {
    const body = (await as("a", "GET", `/api/v1/processing-tasks/${taskOfA}/status`)).body;
    expect(Object.keys(body).sort()).toEqual(["current_step", "details", "progress", "status", "task_id"]);
  });
});
