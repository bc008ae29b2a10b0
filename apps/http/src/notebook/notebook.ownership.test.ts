import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { USER_KEYS as KEYS, apiKeyUsers, requestAs, type TestUser as User } from "../host/auth/api-key-users.testkit.js";

/**
 * Issue 10, ownership of §A notebooks: an uploaded notebook records who uploaded it; another user
 * gets §A's 404 on reading, downloading and placing it and does not see it listed, nor can they
 * overwrite it by uploading under its name (409); ADMIN_ROLE sees every notebook.
 */

const notebook = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { visionos_export: { export_date: "2025-01-01", total_windows: 1, window_types: ["code"] } },
  cells: [{ id: "c1", cell_type: "code", source: "x = 1", metadata: {}, outputs: [], execution_count: null }],
});
const placement = { x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 };

let host: Host;
beforeAll(async () => {
  host = await startTestHost({
    STORAGE: "memory",
    WORKER: "off",
    CONVERT_EXECUTE: "never",
    ...apiKeyUsers(),
  });
});
afterAll(() => host?.close());

const as = (user: User, method: string, path: string, body?: unknown) => requestAs(host.url(), user, method, path, body);

async function upload(user: User, name: string) {
  const form = new FormData();
  form.append("file", new Blob([notebook], { type: "application/json" }), "notebook.ipynb");
  const response = await fetch(`${host.url()}/convert/${name}`, { method: "POST", body: form, headers: { "x-api-key": KEYS[user] } });
  return { status: response.status, body: await response.json() };
}

describe("§A notebooks belong to whoever uploaded them", () => {
  beforeAll(async () => {
    expect((await upload("a", "mine")).status).toBe(200);
  });

  it("another user gets 404 Notebook not found on reading, downloading and placing it", async () => {
    for (const [method, path, body] of [
      ["GET", "/notebooks/mine"],
      ["GET", "/notebooks/mine/download"],
      ["PUT", "/notebooks/mine/cells/0/spatial", placement],
      ["PUT", "/notebooks/mine/cells/spatial", placement],
    ] as const) {
      expect(await as("b", method, path, body), `${method} ${path}`).toEqual({ status: 404, body: { error: "Notebook not found" } });
    }
    const own = await as("a", "GET", "/notebooks/mine");
    expect(own.status).toBe(200);
    expect(own.body.cells[0].metadata).toEqual({});
    expect(own.body.metadata.parallax.owner).toBe("user_a");
    expect((await as("admin", "GET", "/notebooks/mine")).status).toBe(200);
    expect((await as("a", "PUT", "/notebooks/mine/cells/0/spatial", placement)).status).toBe(200);
  });

  it("lists show it to its owner and the admin only", async () => {
    expect((await as("a", "GET", "/notebooks")).body).toEqual(["mine.ipynb"]);
    expect((await as("admin", "GET", "/notebooks")).body).toEqual(["mine.ipynb"]);
    expect((await as("b", "GET", "/notebooks")).body).toEqual([]);
  });

  it("another user cannot overwrite it by uploading under its name; its owner can", async () => {
    expect(await upload("b", "mine")).toEqual({ status: 409, body: { error: "This notebook name is taken: choose another" } });
    expect((await upload("a", "mine")).status).toBe(200);
    expect((await as("a", "GET", "/notebooks/mine")).body.metadata.parallax.owner).toBe("user_a");
  });
});
