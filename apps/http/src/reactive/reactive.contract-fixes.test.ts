import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";

/** §B details over real HTTP on the file store. */
describe("§B contract details", () => {
  let host: Host;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-reactive-contract-"));
    host = await startTestHost({ DATA_DIR: dataDir, STORAGE: "file" });
  });
  afterAll(async () => {
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.url()}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("PUT .../db needs connection_string (422 without it); the editor's \"\" on every blur stays 200", async () => {
    const id = String((await call("POST", "/api/v1/notebooks/")).body["notebook_id"]);
    const missing = await call("PUT", `/api/v1/notebooks/${id}/db`, {});
    expect(missing.status).toBe(422);
    expect(missing.body["detail"]).toMatch(/connection_string/);
    expect(await call("PUT", `/api/v1/notebooks/${id}/db`, { connection_string: "" })).toEqual({ status: 200, body: { status: "ok" } });
    expect(await call("PUT", `/api/v1/notebooks/${id}/db`, { connection_string: null })).toEqual({ status: 200, body: { status: "ok" } });
    expect((await call("GET", `/api/v1/notebooks/${id}`)).body["db_conn_string"]).toBeNull();
  });
});
