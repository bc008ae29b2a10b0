import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pythonAvailable } from "@parallax/adapters/reactive";
import { suiteHost } from "../host/test-host.testkit.js";

const fixtures = join(process.cwd(), "../shared/fixtures/nbformat/tests");
const haveFixtures = existsSync(fixtures);
if (!haveFixtures) console.warn(`some §A tests skip: ${fixtures} not found`);

const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** A small 4.5 notebook with two charts in cell 1, one in cell 3, and client metadata to keep. */
function chartNotebook(): Record<string, unknown> {
  const image = (mime: string) => ({ output_type: "display_data", data: { [mime]: png, "text/plain": ["<Figure>"] }, metadata: {} });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      chartPositions: { chartKey_001: { x: 1.5, y: -2 } },
      visionos_export: { export_date: "2026-01-02", total_windows: 3, window_types: ["chart", "code"], version: "1.2", all_tags: ["a"] },
    },
    cells: [
      { id: "c0", cell_type: "markdown", metadata: {}, source: "# Title" },
      { id: "c1", cell_type: "code", metadata: {}, source: "plot()", execution_count: 1, outputs: [image("image/png"), { output_type: "stream", name: "stdout", text: "hi\n" }, image("image/jpeg")] },
      { id: "c2", cell_type: "code", metadata: {}, source: "x", execution_count: 2, outputs: [] },
      { id: "c3", cell_type: "code", metadata: {}, source: "plot2()", execution_count: 3, outputs: [image("image/png")] },
    ],
  };
}

/** Response bodies are asserted field by field; typing each shape would only repeat the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const untyped = (value: unknown): any => value;

function upload(field: string, filename: string, content: string | Uint8Array): FormData {
  const form = new FormData();
  form.append(field, new Blob([content]), filename);
  return form;
}

describe("spatial notebooks over HTTP (CONTRACTS.md §A)", () => {
  const suite = suiteHost("parallax-notebooks-");
  let base: string;

  beforeAll(() => {
    base = suite.host.url();
  });

  const put = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const convert = (name: string, form: FormData) => fetch(`${base}/convert/${name}`, { method: "POST", body: form });

  it("answers /health with the notebook-processor payload", async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    // §A's fields exactly; §D's readiness flags join them (the payload is the union, CONTRACTS.md §D).
    expect(await response.json().then(untyped)).toMatchObject({ status: "healthy", service: "notebook-processor" });
  });

  it("upload returns charts keyed by cell, stores the notebook and lists it", async () => {
    const response = await convert("scene", upload("file", "scene.ipynb", JSON.stringify(chartNotebook())));
    expect(response.status).toBe(200);
    expect(await response.json().then(untyped)).toEqual({ chartKey_001: [png, png], chartKey_003: [png] });
    expect(await (await fetch(`${base}/notebooks`)).json().then(untyped)).toContain("scene.ipynb");
    const stored = await (await fetch(`${base}/notebooks/scene.ipynb`)).json().then(untyped);
    expect(stored.cells).toHaveLength(4);
    expect(stored.metadata.chartPositions).toEqual({ chartKey_001: { x: 1.5, y: -2 } });
    const download = await fetch(`${base}/notebooks/scene.ipynb/download`);
    expect(download.headers.get("content-disposition")).toMatch(/attachment; filename="scene.ipynb"/);
    expect(JSON.parse(await download.text()).cells).toHaveLength(4);
    // The file on disk is the nbformat document itself (opens in JupyterLab).
    expect(JSON.parse(readFileSync(join(suite.dataDir, "notebooks", "scene.ipynb"), "utf8")).nbformat_minor).toBe(5);
  });

  it("a notebook without images answers the no-charts message and is still stored", async () => {
    const notebook = { ...chartNotebook(), cells: [{ id: "a", cell_type: "code", metadata: {}, source: "1", execution_count: null, outputs: [] }] };
    const response = await convert("plain", upload("file", "plain.ipynb", JSON.stringify(notebook)));
    expect(await response.json().then(untyped)).toEqual({ message: "No charts found in notebook" });
    expect(await (await fetch(`${base}/notebooks`)).json().then(untyped)).toContain("plain.ipynb");
  });

  it.skipIf(!haveFixtures)("an older-minor notebook is upgraded to 4.5 with cell ids on upload", async () => {
    const response = await convert("old", upload("file", "test4.ipynb", readFileSync(join(fixtures, "test4.ipynb"))));
    expect(response.status).toBe(200);
    const stored = await (await fetch(`${base}/notebooks/old`)).json().then(untyped);
    expect(stored.nbformat_minor).toBe(5);
    expect(stored.cells.every((cell: { id?: string }) => typeof cell.id === "string")).toBe(true);
  });

  it("a 4.4 notebook in which some cells carry ids is stored as 4.5 with its ids kept and the others generated", async () => {
    const cell = (id: string | undefined, source: string) => ({ ...(id ? { id } : {}), cell_type: "code", metadata: {}, source, execution_count: null, outputs: [] });
    const notebook = { nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [cell("from-lab", "a = 1"), cell(undefined, "b = 2"), cell("also_kept", "c = 3")] };
    const response = await convert("partly-ids", upload("file", "notebook.ipynb", JSON.stringify(notebook)));
    expect(response.status).toBe(200);
    const stored = await (await fetch(`${base}/notebooks/partly-ids.ipynb`)).json().then(untyped);
    expect(stored.nbformat_minor).toBe(5);
    expect(stored.cells[0].id).toBe("from-lab");
    expect(stored.cells[1].id).toMatch(/^[a-zA-Z0-9-_]+$/);
    expect(stored.cells[2].id).toBe("also_kept");
  });

  it("upload errors: no file, empty name, wrong type, invalid notebook, '..' in the name", async () => {
    const cases: Array<[Response, number, RegExp]> = [
      [await convert("x", upload("other", "x.ipynb", "{}")), 400, /^No file provided$/],
      [await convert("x", upload("file", "", "{}")), 400, /^No file selected$/],
      [await convert("x", upload("file", "x.txt", "{}")), 400, /^Invalid file type$/],
      [await convert("x", upload("file", "x.ipynb", "{not json")), 400, /^Invalid notebook: not JSON/],
      [await convert("x", upload("file", "x.ipynb", JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code" }] }))), 400, /Invalid notebook: .*cells\[0\]/],
      [await convert("..%2Fescape", upload("file", "x.ipynb", JSON.stringify(chartNotebook()))), 400, /Invalid notebook name/],
      [await fetch(`${base}/notebooks/..%2F..%2Fetc%2Fpasswd`), 400, /Invalid notebook name/],
    ];
    for (const [response, status, message] of cases) {
      expect(response.status).toBe(status);
      expect((await response.json().then(untyped)).error).toMatch(message);
    }
    expect(existsSync(join(suite.dataDir, "escape.ipynb"))).toBe(false);
  });

  it("a 51 MB body gets 413 File too large and nothing is stored", async () => {
    const big = new Uint8Array(51 * 1024 * 1024).fill(32);
    const response = await convert("huge", upload("file", "huge.ipynb", big));
    expect(response.status).toBe(413);
    expect(await response.json().then(untyped)).toEqual({ error: "File too large" });
    expect(await (await fetch(`${base}/notebooks`)).json().then(untyped)).not.toContain("huge.ipynb");
  });

  it("placements round-trip and keep client metadata", async () => {
    const spatial = { x: 0.5, y: 1.25, z: -2, pitch: 10, yaw: -45, roll: 0 };
    const response = await put("/notebooks/scene.ipynb/cells/1/spatial", spatial);
    expect(response.status).toBe(200);
    expect(await response.json().then(untyped)).toEqual({ message: "Spatial data updated for cell 1", spatial_data: spatial });
    const stored = await (await fetch(`${base}/notebooks/scene.ipynb`)).json().then(untyped);
    expect(stored.cells[1].metadata.spatial).toEqual(spatial);
    expect(stored.metadata.visionos_export).toEqual(chartNotebook()["metadata"] && (chartNotebook()["metadata"] as Record<string, unknown>)["visionos_export"]);

    const all = await put("/notebooks/scene/cells/spatial", { ...spatial, x: 9 });
    expect(await all.json().then(untyped)).toEqual({ message: "Spatial data updated for all 4 cells", spatial_data: { ...spatial, x: 9 }, total_cells: 4 });
    const after = await (await fetch(`${base}/notebooks/scene.ipynb`)).json().then(untyped);
    expect(after.cells.map((cell: { metadata: { spatial: { x: number } } }) => cell.metadata.spatial.x)).toEqual([9, 9, 9, 9]);
  });

  it("placement errors: empty body, non-numeric, non-finite, out of range, unknown notebook", async () => {
    const good = { x: 1, y: 2, z: 3, pitch: 0, yaw: 0, roll: 0 };
    const cases: Array<[Response, number, RegExp]> = [
      [await put("/notebooks/scene.ipynb/cells/0/spatial", ""), 400, /^No spatial data provided$/],
      [await put("/notebooks/scene.ipynb/cells/0/spatial", {}), 400, /^No spatial data provided$/],
      [await put("/notebooks/scene.ipynb/cells/0/spatial", { ...good, yaw: "left" }), 400, /'yaw'/],
      [await put("/notebooks/scene.ipynb/cells/0/spatial", '{"x":1e999,"y":2,"z":3,"pitch":0,"yaw":0,"roll":0}'), 400, /'x' must be a finite number/],
      [await put("/notebooks/scene.ipynb/cells/0/spatial", { ...good, roll: undefined }), 400, /'roll'/],
      [await put("/notebooks/scene.ipynb/cells/99/spatial", good), 404, /out of range/],
      [await put("/notebooks/scene.ipynb/cells/-1/spatial", good), 404, /out of range/],
      [await put("/notebooks/missing.ipynb/cells/0/spatial", good), 404, /^Notebook not found$/],
      [await put("/notebooks/missing.ipynb/cells/spatial", good), 404, /^Notebook not found$/],
    ];
    for (const [response, status, message] of cases) {
      expect(response.status).toBe(status);
      expect((await response.json().then(untyped)).error).toMatch(message);
    }
    const stored = await (await fetch(`${base}/notebooks/scene.ipynb`)).json().then(untyped);
    expect(stored.cells[0].metadata.spatial.x).toBe(9);
  });

  it("50 concurrent placements on 50 different cells all survive", async () => {
    const cells = Array.from({ length: 50 }, (_, i) => ({ id: `cell-${i}`, cell_type: "code", metadata: {}, source: `v${i} = ${i}`, execution_count: null, outputs: [] }));
    await convert("wide", upload("file", "wide.ipynb", JSON.stringify({ ...chartNotebook(), cells })));
    const responses = await Promise.all(cells.map((_, i) => put(`/notebooks/wide.ipynb/cells/${i}/spatial`, { x: i, y: i * 2, z: -i, pitch: 1, yaw: 2, roll: 3 })));
    expect(responses.map((response) => response.status)).toEqual(cells.map(() => 200));
    const stored = await (await fetch(`${base}/notebooks/wide.ipynb`)).json().then(untyped);
    expect(stored.cells.map((cell: { metadata: { spatial?: { x: number } } }) => cell.metadata.spatial?.x)).toEqual(cells.map((_, i) => i));
  });

  it("/process_notebook reports validation, outputs and charts", async () => {
    const form = upload("notebook", "scene.ipynb", JSON.stringify(chartNotebook()));
    const report = await (await fetch(`${base}/process_notebook`, { method: "POST", body: form })).json().then(untyped);
    // Schema validation passes; where a Python kernel re-executes the cells, `plot()` is undefined
    // there, so only the schema verdict is asserted here.
    expect(report.validation.errors).toEqual([]);
    expect(report.total_outputs).toBe(4);
    expect(report.total_charts).toBe(3);
    expect(report.outputs[0]).toEqual({ cell_index: 1, output_index: 0, type: "display_data", text: "<Figure>", image_png: png, image_type: "png" });
    expect(report.outputs[1]).toEqual({ cell_index: 1, output_index: 1, type: "stream", text: "hi\n", stream: "stdout" });
    expect(report.charts[1]).toEqual({ cell_index: 1, output_index: 2, image_data: png, image_type: "jpeg" });

    const invalid = upload("notebook", "bad.ipynb", JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: "x", cell_type: "code" }] }));
    const bad = await (await fetch(`${base}/process_notebook`, { method: "POST", body: invalid })).json().then(untyped);
    expect(bad.validation.success).toBe(false);
    expect(bad.validation.errors.length).toBeGreaterThan(0);
    const missing = await fetch(`${base}/process_notebook`, { method: "POST", body: upload("file", "x.ipynb", "{}") });
    expect(missing.status).toBe(400);
  });

  it.skipIf(!pythonAvailable("python3"))("/process_notebook re-executes code cells like nbval where python3 exists", async () => {
    const code = (source: string, text: string) => ({
      id: `c${source.length}`,
      cell_type: "code",
      metadata: {},
      source,
      execution_count: 1,
      outputs: [{ output_type: "stream", name: "stdout", text }],
    });
    const notebook = (cells: unknown[]) => JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
    const process = async (content: string) =>
      (await fetch(`${base}/process_notebook`, { method: "POST", body: upload("notebook", "n.ipynb", content) })).json().then(untyped);

    const same = await process(notebook([code("x = 20 + 1\nprint(x * 2)", "42\n"), code("print(hex(id(x)))", "0x7f3a5c2e1b10\n")]));
    expect(same.validation).toMatchObject({ success: true, return_code: 0, errors: [] });
    expect(typeof same.validation.stdout).toBe("string");
    expect(typeof same.validation.stderr).toBe("string");

    const drifted = await process(notebook([code("print(6 * 7)", "41\n")]));
    expect(drifted.validation.success).toBe(false);
    expect(drifted.validation.return_code).not.toBe(0);
    expect(drifted.validation.differing_cells).toEqual([expect.objectContaining({ cell_index: 0, expected: "41", actual: "42" })]);
  });

  it("unknown routes answer 404 Endpoint not found", async () => {
    const response = await fetch(`${base}/no/such/route`);
    expect(response.status).toBe(404);
    expect(await response.json().then(untyped)).toEqual({ error: "Endpoint not found" });
  });
});
