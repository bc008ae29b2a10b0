import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { USER_KEYS as KEYS, apiKeyUsers, requestAs, type TestUser as User } from "../host/auth/api-key-users.testkit.js";
import { WebSocketRecorder } from "../host/websocket-recorder.testkit.js";

/**
 * Issue 10, ownership of §B notebooks: a notebook belongs to its creator; every other user gets
 * 404 on every route and the socket, exactly as for a notebook that does not exist.
 */

let host: Host;
beforeAll(async () => {
  host = await startTestHost({
    STORAGE: "memory",
    WORKER: "off",
    ...apiKeyUsers(),
  });
});
afterAll(() => host?.close());

const as = (user: User, method: string, path: string, body?: unknown) => requestAs(host.url(), user, method, path, body);

describe("§B notebooks belong to their creator", () => {
  let notebookId: string;
  let cellId: string;
  beforeAll(async () => {
    notebookId = (await as("a", "POST", "/api/v1/notebooks/")).body.notebook_id;
    cellId = (await as("a", "GET", `/api/v1/notebooks/${notebookId}`)).body.cells[0].id;
  });

  it("another user cannot read, edit, run, chat with or delete it: 404 as for a missing notebook", async () => {
    const missing = await as("b", "GET", "/api/v1/notebooks/no-such-notebook");
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/api/v1/notebooks/${notebookId}`],
      ["PUT", `/api/v1/notebooks/${notebookId}/name`, { name: "mine now" }],
      ["PUT", `/api/v1/notebooks/${notebookId}/db`, { connection_string: "" }],
      ["POST", `/api/v1/notebooks/${notebookId}/cells`, { type: "python" }],
      ["PUT", `/api/v1/notebooks/${notebookId}/cells/${cellId}`, { code: "stolen = 1" }],
      ["DELETE", `/api/v1/notebooks/${notebookId}/cells/${cellId}`],
      ["POST", `/api/chat/${notebookId}`, { messages: [{ role: "user", content: "hi" }] }],
      ["POST", `/api/v1/chat/chat/${notebookId}`, { messages: [{ role: "user", content: "hi" }] }],
      ["DELETE", `/api/v1/notebooks/${notebookId}`],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await as("b", method, path, body);
      expect(answer, `${method} ${path}`).toEqual({ status: 404, body: missing.body });
    }
    // Nor does an administrator of the other capabilities: §B notebooks are their creator's alone.
    expect((await as("admin", "GET", `/api/v1/notebooks/${notebookId}`)).status).toBe(404);
    const intact = await as("a", "GET", `/api/v1/notebooks/${notebookId}`);
    expect(intact.status).toBe(200);
    expect(intact.body.name).toBe("Untitled notebook");
    expect(intact.body.cells.map((cell: { id: string; code: string }) => [cell.id, cell.code])).toEqual([[cellId, ""]]);
  });

  it("another user's list does not show it; the creator's does", async () => {
    const ids = async (user: User) => (await as(user, "GET", "/api/v1/notebooks/")).body.notebooks.map((notebook: { id: string }) => notebook.id).sort();
    expect(await ids("a")).toEqual([`blank-user_a`, `demo-user_a`, notebookId].sort());
    expect(await ids("b")).toEqual(["blank-user_b", "demo-user_b"]);
    expect((await as("b", "GET", "/api/v1/notebooks/demo-user_a")).status).toBe(404);
  });

  it("another user's socket is authenticated, then told the notebook is not found and closed with 1008; run_cell never runs", async () => {
    const client = await WebSocketRecorder.open(`${host.url().replace("http", "ws")}/api/v1/ws/notebooks/${notebookId}`);
    client.send({ type: "authenticate", token: KEYS.b });
    client.send({ type: "run_cell", cellId });
    expect(await client.waitFor((message) => message["type"] === "authenticated")).toEqual({ type: "authenticated", user_id: "user_b" });
    expect(await client.waitFor((message) => message["type"] === "error")).toEqual({ type: "error", message: "Notebook not found" });
    expect((await client.closed).code).toBe(1008);
    expect((await as("a", "GET", `/api/v1/notebooks/${notebookId}`)).body.cells[0].status).toBe("idle");
  });

  it("the creator's socket follows it", async () => {
    const client = await WebSocketRecorder.open(`${host.url().replace("http", "ws")}/api/v1/ws/notebooks/${notebookId}`);
    client.send({ type: "authenticate", token: KEYS.a });
    expect(await client.waitFor((message) => message["type"] === "authenticated")).toEqual({ type: "authenticated", user_id: "user_a" });
    await as("a", "PUT", `/api/v1/notebooks/${notebookId}/cells/${cellId}`, { code: "x = 1" });
    await client.waitFor((message) => message["type"] === "cell_updated");
    await client.close();
    // Written back after the edit, it is still the creator's alone.
    expect((await as("b", "GET", `/api/v1/notebooks/${notebookId}`)).status).toBe(404);
    expect((await as("a", "GET", `/api/v1/notebooks/${notebookId}`)).body.cells[0].code).toBe("x = 1");
  });
});
