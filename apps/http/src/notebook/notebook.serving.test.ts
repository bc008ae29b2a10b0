import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { suiteHost } from "../host/test-host.testkit.js";

const notebook = (note: string) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { note },
  cells: [
    { id: "c0", cell_type: "code", metadata: {}, source: "x = 1", execution_count: null, outputs: [] },
    { id: "c1", cell_type: "markdown", metadata: {}, source: "# title" },
  ],
});

/**
 * `GET /notebooks/<name>` and `/download` (CONTRACTS.md §A) serve the stored bytes from memory
 * while the file's version is unchanged: whatever changes the notebook (a placement, an upload,
 * another process replacing the file) is served at once, and the version is a strong ETag a
 * client can revalidate with.
 */
describe("serving a stored notebook (§A GET /notebooks/<name>, /download)", () => {
  const suite = suiteHost("parallax-notebook-serving-");
  let base: string;
  let file: string;

  beforeAll(async () => {
    base = suite.host.url();
    file = join(suite.dataDir, "notebooks", "served.ipynb");
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify(notebook("first"))]), "notebook.ipynb");
    expect((await fetch(`${base}/convert/served`, { method: "POST", body: form })).status).toBe(200);
  });

  const get = (path: string, etag?: string) => fetch(`${base}${path}`, { headers: etag ? { "if-none-match": etag } : {} });
  const routes = ["/notebooks/served.ipynb", "/notebooks/served.ipynb/download"];

  it("answers the file's bytes with the §A content headers, a strong ETag and no-cache", async () => {
    const document = await get(routes[0]!);
    expect(document.status).toBe(200);
    expect(document.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Buffer.from(await document.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    expect(document.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect(document.headers.get("cache-control")).toBe("no-cache");
    expect(Number(document.headers.get("content-length"))).toBe(readFileSync(file).length);

    const download = await get(routes[1]!);
    expect(download.headers.get("content-type")).toBe("application/x-ipynb+json");
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="served.ipynb"');
    expect(download.headers.get("etag")).toBe(document.headers.get("etag"));
    expect(Buffer.from(await download.arrayBuffer()).equals(readFileSync(file))).toBe(true);
  });

  it("answers 304 with no body to If-None-Match of the current version, 200 to any other", async () => {
    for (const route of routes) {
      const etag = (await get(route)).headers.get("etag")!;
      const unchanged = await get(route, etag);
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe("");
      expect(unchanged.headers.get("etag")).toBe(etag);
      expect((await get(route, `W/${etag}`)).status).toBe(304);
      expect((await get(route, `"another", ${etag}`)).status).toBe(304);
      expect((await get(route, "*")).status).toBe(304);
      const other = await get(route, '"not-this-one"');
      expect(other.status).toBe(200);
      expect(Buffer.from(await other.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    }
  });

  it("serves the new bytes and a new ETag after a placement, and 200 to the old ETag", async () => {
    const before = (await get(routes[0]!)).headers.get("etag")!;
    const placement = { x: 4, y: 5, z: 6, pitch: 0, yaw: 90, roll: 0 };
    const put = await fetch(`${base}/notebooks/served.ipynb/cells/1/spatial`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(placement) });
    expect(put.status).toBe(200);
    for (const route of routes) {
      const after = await get(route, before);
      expect(after.status).toBe(200);
      expect(after.headers.get("etag")).not.toBe(before);
      const body = Buffer.from(await after.arrayBuffer());
      expect(body.equals(readFileSync(file))).toBe(true);
      expect(JSON.parse(body.toString()).cells[1].metadata.spatial).toEqual(placement);
    }
  });

  it("serves the new bytes after an upload over the notebook", async () => {
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify(notebook("uploaded again"))]), "notebook.ipynb");
    expect((await fetch(`${base}/convert/served`, { method: "POST", body: form })).status).toBe(200);
    for (const route of routes) {
      const body = Buffer.from(await (await get(route)).arrayBuffer());
      expect(JSON.parse(body.toString()).metadata.note).toBe("uploaded again");
      expect(body.equals(readFileSync(file))).toBe(true);
    }
  });

  it("serves the new bytes once another process replaced the file (renamed over it, or rewritten in place), and 404 once it removed it", async () => {
    const before = (await get(routes[0]!)).headers.get("etag")!;
    const replaced = `${JSON.stringify(notebook("replaced by another process"), null, 1)}\n`;
    writeFileSync(`${file}.other`, replaced);
    renameSync(`${file}.other`, file);
    for (const route of routes) {
      const response = await get(route, before);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(replaced);
    }

    const rewritten = `${JSON.stringify(notebook("and rewritten in place"))}\n`;
    writeFileSync(file, rewritten);
    for (const route of routes) expect(await (await get(route)).text()).toBe(rewritten);

    rmSync(file);
    for (const route of routes) {
      const gone = await get(route);
      expect(gone.status).toBe(404);
      expect(await gone.json()).toEqual({ error: "Notebook not found" });
    }
  });
});
