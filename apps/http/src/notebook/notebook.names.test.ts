import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { suiteHost } from "../host/test-host.testkit.js";

const notebook = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: "a", cell_type: "code", metadata: {}, source: "1", execution_count: null, outputs: [] }] });
const placement = { x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 };

/** §A notebook names as clients send them (percent-encoded path segments), on the file store. */
describe("§A notebook names", () => {
  const suite = suiteHost("parallax-notebook-names-", { STORAGE: "file" });


  const convert = (encodedName: string) => {
    const form = new FormData();
    form.append("file", new Blob([notebook]), "notebook.ipynb");
    return fetch(`${suite.host.url()}/convert/${encodedName}`, { method: "POST", body: form });
  };
  const place = (encodedName: string) =>
    fetch(`${suite.host.url()}/notebooks/${encodedName}/cells/0/spatial`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(placement) });
  const names = async () => (await (await fetch(`${suite.host.url()}/notebooks`)).json()) as string[];
  const files = () => readdirSync(join(suite.dataDir, "notebooks")).filter((file) => !file.startsWith("."));

  it("an upper-case extension names the same notebook as the lower-case one (was a 500)", async () => {
    expect((await convert("Report.IPYNB")).status).toBe(200);
    expect((await place("Report.IPYNB")).status).toBe(200);
    expect((await fetch(`${suite.host.url()}/notebooks/Report.IPYNB`)).status).toBe(200);
    const stored = (await (await fetch(`${suite.host.url()}/notebooks/Report.ipynb`)).json()) as { cells: Array<{ metadata: { spatial?: unknown } }> };
    expect(stored.cells[0]!.metadata.spatial).toEqual(placement);
    expect(await names()).toContain("Report.ipynb");
  });

  it("ordinary Unicode letters work, and a decomposed spelling stores and lists as the composed one", async () => {
    expect((await convert(encodeURIComponent("données.ipynb"))).status).toBe(200);
    expect((await place(encodeURIComponent("donne\u0301es.ipynb"))).status).toBe(200);
    expect((await convert(encodeURIComponent("re\u0301sume\u0301"))).status).toBe(200);
    expect(await names()).toEqual(expect.arrayContaining(["données.ipynb", "r\u00e9sum\u00e9.ipynb"]));
    expect(files()).toEqual(expect.arrayContaining(["données.ipynb", "r\u00e9sum\u00e9.ipynb"]));
    expect(files()).not.toContain("re\u0301sume\u0301.ipynb");
    const stored = (await (await fetch(`${suite.host.url()}/notebooks/${encodeURIComponent("données")}`)).json()) as { cells: Array<{ metadata: { spatial?: unknown } }> };
    expect(stored.cells[0]!.metadata.spatial).toEqual(placement);
  });

  it("percent-encoded spaces keep working", async () => {
    expect((await convert("My%20Notebook")).status).toBe(200);
    expect((await place("My%20Notebook.ipynb")).status).toBe(200);
    expect(await names()).toContain("My Notebook.ipynb");
  });

  it("NUL, control characters and bidirectional overrides are refused with 400 and nothing is stored", async () => {
    const before = files();
    for (const encoded of ["bad%00name", "tab%09name", "evil%E2%80%AEbnpi.exe", "iso%E2%81%A6late", "mark%E2%80%8Fname"]) {
      for (const response of [await convert(encoded), await place(encoded), await fetch(`${suite.host.url()}/notebooks/${encoded}`)]) {
        expect(response.status, encoded).toBe(400);
        expect(((await response.json()) as { error: string }).error).toBe(
          "Invalid notebook name: control characters and bidirectional text controls are not allowed",
        );
      }
    }
    expect(files()).toEqual(before);
  });
});
