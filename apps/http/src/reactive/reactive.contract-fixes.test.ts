import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { http } from "../host/http-client.testkit.js";
import { suiteHost } from "../host/test-host.testkit.js";

/** §B details over real HTTP on the file store. */
describe("§B contract details", () => {
  const suite = suiteHost("parallax-reactive-contract-", { STORAGE: "file" });


  const call = (method: string, path: string, body?: unknown) => http(suite.host.url(), method, path, body);

  it("GET /api/v1/notebooks reads a stored notebook again only when it changed (listing kept by version)", async () => {
    const path = join(suite.dataDir, "notebooks", "big.ipynb");
    const cells = Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source: "x = 1\n".repeat(2000), execution_count: null, outputs: [] }));
    writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { parallax: { name: "Before" } }, cells }));
    // Whole-second mtimes can be put back exactly: the file then changes without its version changing.
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const title = async () => ((await call("GET", "/api/v1/notebooks")).body["notebooks"] as Array<{ id: string; name: string }>).find((n) => n.id === "big")?.name;
    expect(await title()).toBe("Before");

    writeFileSync(path, readFileSync(path, "utf8").replace('"Before"', '"Sooner"'), { flag: "r+" });
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(await title()).toBe("Before");

    utimesSync(path, 1_700_000_001, 1_700_000_001);
    expect(await title()).toBe("Sooner");
  });

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
