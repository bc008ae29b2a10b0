import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "@parallax/adapters";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { GENERATED_CHARTS_HEADER } from "../notebook/notebook.host.js";
import { MATPLOTLIB_CELLS, visionOsExport } from "./visionos-export.testkit.js";

/**
 * The visionOS app (CONTRACTS.md §A, "What the visionOS app relies on"), driven as its Swift
 * networking drives the host: multipart uploads whose file part is always named
 * `notebook.ipynb`, notebook names percent-encoded in the path and often already ending in
 * `.ipynb`, its own exports (4.5 without ids, empty outputs) as the documents. Its decoder reads
 * the `/convert` reply as a dictionary of arrays of bare base64 (any whitespace or prefix and it
 * shows nothing; a key `nbformat` and it takes the reply for a whole notebook).
 */
const matplotlibPython = pythonWith("matplotlib");
const anyPython = pythonWith();
const SECRET = "PARALLAX_COMPAT_SECRET_TOKEN";

const dirs: string[] = [];
const hosts: Host[] = [];
async function host(overrides: Partial<Config>): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-visionos-"));
  dirs.push(dataDir);
  const started = await startTestHost({ DATA_DIR: dataDir, STORAGE: "file", WORKER: "off", ...overrides });
  hosts.push(started);
  return started.url();
}

let charting: string; // CONVERT_EXECUTE=auto with a python3 that has matplotlib (where one exists)
let never: string; // the same interpreter, CONVERT_EXECUTE=never
let noPython: string; // PYTHON_BIN pointing nowhere: nothing can run there
let strict: string; // a 2 s cell limit

beforeAll(async () => {
  // Planted before any kernel starts: a kernel that inherited the host's environment would show it.
  process.env[SECRET] = "must-not-reach-cells";
  const python = matplotlibPython ?? "python3";
  [charting, never, noPython, strict] = await Promise.all([
    host({ PYTHON_BIN: python }),
    host({ PYTHON_BIN: python, CONVERT_EXECUTE: "never" }),
    host({ PYTHON_BIN: "/nonexistent/python3" }),
    host({ PYTHON_BIN: anyPython ?? "python3", CELL_TIMEOUT_S: 2 }),
  ]);
});

afterAll(async () => {
  delete process.env[SECRET];
  await Promise.all(hosts.map((started) => started.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The app's upload: multipart field `file`, file name always `notebook.ipynb`, name in the path as the app encodes it. */
async function convert(base: string, encodedName: string, document: unknown): Promise<{ status: number; body: Record<string, unknown>; generated: string | null }> {
  const form = new FormData();
  const bytes = typeof document === "string" || document instanceof Uint8Array ? document : JSON.stringify(document);
  form.append("file", new Blob([bytes], { type: "application/json" }), "notebook.ipynb");
  const response = await fetch(`${base}/convert/${encodedName}`, { method: "POST", body: form });
  const body = (await response.json()) as Record<string, unknown>;
  // Checked on every reply: the app takes one carrying `nbformat` for a whole notebook.
  expect(body).not.toHaveProperty("nbformat");
  return { status: response.status, body, generated: response.headers.get(GENERATED_CHARTS_HEADER) };
}

const stored = async (base: string, name: string) => (await (await fetch(`${base}/notebooks/${encodeURIComponent(name)}`)).json()) as ReturnType<typeof visionOsExport>;
const names = async (base: string) => (await (await fetch(`${base}/notebooks`)).json()) as string[];
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What the app's decoder accepts: a string of base64 characters only, decoding to an image. */
function expectBareBase64Png(value: unknown): void {
  expect(typeof value).toBe("string");
  expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(value as string, "base64").subarray(0, 8)).toEqual(PNG_MAGIC);
}

const withoutParallax = ({ parallax: _parallax, ...metadata }: Record<string, unknown>) => metadata;
const chartKeys = MATPLOTLIB_CELLS.map((index) => `chartKey_${String(index).padStart(3, "0")}`);

describe("visionOS app", () => {
  it.skipIf(!matplotlibPython)("its own notebooks (outputs: []) get their matplotlib cells' charts by execution: a chart map of bare base64 PNGs", async () => {
    const reply = await convert(charting, "Pulto.ipynb", visionOsExport());
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(chartKeys);
    for (const key of chartKeys) {
      expect(reply.body[key]).toHaveLength(1);
      expectBareBase64Png((reply.body[key] as unknown[])[0]);
    }
    // Which charts came from execution is said beside the body, which must stay the chart map alone.
    expect(reply.generated).toBe(chartKeys.join(","));
  });

  it.skipIf(!matplotlibPython)("the stored notebook carries the generated charts, so a second upload of the stored file needs no execution", async () => {
    const first = await convert(charting, "Pulto%20Again.ipynb", visionOsExport());
    const download = await fetch(`${charting}/notebooks/Pulto%20Again.ipynb/download`);
    const file = new Uint8Array(await download.arrayBuffer());
    const saved = JSON.parse(new TextDecoder().decode(file)) as ReturnType<typeof visionOsExport>;
    for (const index of MATPLOTLIB_CELLS) {
      const outputs = saved.cells[index]!["outputs"] as Array<{ output_type: string; metadata?: unknown }>;
      expect(outputs.filter((output) => output.output_type === "display_data")).toEqual([
        expect.objectContaining({ metadata: { parallax: { generated: true } } }),
      ]);
    }
    expect(withoutParallax(saved.metadata)).toEqual(visionOsExport().metadata);
    // A host that cannot run anything still answers the same charts from the stored file.
    const again = await convert(noPython, "Pulto%20Again.ipynb", file);
    expect(again).toEqual({ status: 200, body: first.body, generated: null });
  });

  it.skipIf(!matplotlibPython)("chart execution runs in the sandboxed kernel: none of the host's secrets reach a cell", async () => {
    const notebook = visionOsExport();
    notebook.cells[2]!["source"] = `import os\nprint(os.environ.get("${SECRET}"))\n${(notebook.cells[2]!["source"] as string[]).join("")}`;
    expect((await convert(charting, "Secrets.ipynb", notebook)).generated).toContain("chartKey_002");
    const outputs = (await stored(charting, "Secrets.ipynb")).cells[2]!["outputs"] as Array<{ output_type: string; text?: string | string[] }>;
    const printed = outputs.filter((output) => output.output_type === "stream").map((output) => [output.text].flat().join(""));
    expect(printed.join("")).toBe("None\n");
  });

  it.skipIf(!matplotlibPython)("CONVERT_EXECUTE=never answers No charts found for such a notebook (and stores it)", async () => {
    const reply = await convert(never, "Pulto.ipynb", visionOsExport());
    expect(reply).toEqual({ status: 200, body: { message: "No charts found in notebook" }, generated: null });
    expect(await names(never)).toContain("Pulto.ipynb");
  });

  it.skipIf(!anyPython)("a cell that loops forever is stopped by the time limit and the upload still answers", async () => {
    const notebook = visionOsExport();
    notebook.cells[2]!["source"] = "# plt.show() is never reached\nwhile True:\n    pass\n";
    const reply = await convert(strict, "Forever.ipynb", notebook);
    expect(reply).toEqual({ status: 200, body: { message: "No charts found in notebook" }, generated: null });
    expect((await stored(strict, "Forever.ipynb")).cells).toHaveLength(6);
  });

  it("base64 is bare (lists joined, newlines, spaces and a data: prefix removed) and the chart map has no nbformat key", async () => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const split = [`${png.slice(0, 20)}\n`, `${png.slice(20, 40)} \n`, `${png.slice(40)}\n`];
    const notebook = visionOsExport();
    notebook.cells[2]!["outputs"] = [
      { output_type: "display_data", data: { "image/png": split, "text/plain": ["<Figure>"] }, metadata: {} },
      { output_type: "display_data", data: { "image/png": `data:image/png;base64,${png}` }, metadata: {} },
    ];
    notebook.cells[2]!["execution_count"] = 1;
    const reply = await convert(noPython, "Stored%20Images.ipynb", notebook);
    expect(reply.body).toEqual({ chartKey_002: [png, png] });
    for (const value of reply.body["chartKey_002"] as unknown[]) expectBareBase64Png(value);
  });

  it("the path name may already end in .ipynb, comes percent-encoded, and the multipart file name (always notebook.ipynb) is ignored", async () => {
    expect((await convert(noPython, "Pulto.ipynb", visionOsExport())).status).toBe(200);
    expect((await convert(noPython, "My%20Spatial%20Workspace.ipynb", visionOsExport())).status).toBe(200);
    expect((await convert(noPython, "Plain%20Name", visionOsExport())).status).toBe(200);
    const listed = await names(noPython);
    expect(listed).toEqual(expect.arrayContaining(["Pulto.ipynb", "My Spatial Workspace.ipynb", "Plain Name.ipynb"]));
    expect(listed).not.toContain("Pulto.ipynb.ipynb");
    expect(listed).not.toContain("notebook.ipynb");
  });

  it("tolerant reading: a 4.5 notebook without cell ids gets ids, outputs on markdown cells are dropped, only what nbformat cannot read is a 400", async () => {
    expect((await convert(noPython, "Tolerant.ipynb", visionOsExport())).status).toBe(200);
    const saved = await stored(noPython, "Tolerant.ipynb");
    expect(saved.nbformat_minor).toBe(5);
    const ids = saved.cells.map((cell) => cell["id"]);
    expect(ids.every((id) => typeof id === "string" && /^[a-zA-Z0-9-_]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const index of [0, 3]) expect(Object.keys(saved.cells[index]!).sort()).toEqual(["cell_type", "id", "metadata", "source"]);

    const refused = async (document: unknown) => {
      const reply = await convert(noPython, "Refused.ipynb", document);
      expect(reply.status).toBe(400);
      return String(reply.body["error"]);
    };
    expect(await refused("{ not json")).toMatch(/^Invalid notebook: not JSON/);
    const { nbformat: _nbformat, ...unversioned } = visionOsExport();
    expect(await refused(unversioned)).toMatch(/^Invalid notebook: nbformat/);
    const broken = visionOsExport();
    delete broken.cells[4]!["source"];
    expect(await refused(broken)).toMatch(/cells\[4\]\.source/);
    expect(await names(noPython)).not.toContain("Refused.ipynb");
  });

  it("every metadata key the app writes is kept exactly with its JSON type, and integer spatial numbers stay the numbers they are", async () => {
    const sent = visionOsExport();
    expect((await convert(noPython, "Kept.ipynb", sent)).status).toBe(200);
    const saved = await stored(noPython, "Kept.ipynb");
    expect(withoutParallax(saved.metadata)).toStrictEqual(sent.metadata);
    saved.cells.forEach((cell, index) => expect(cell["metadata"], `cell ${index}`).toStrictEqual(sent.cells[index]!["metadata"]));
    expect(Number.isInteger((saved.metadata["visionos_export"] as { total_windows: unknown }).total_windows)).toBe(true);

    const placement = { x: 1, y: 2, z: -3, pitch: 0, yaw: 90, roll: 0 };
    const put = await fetch(`${noPython}/notebooks/Kept.ipynb/cells/2/spatial`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(placement) });
    expect(put.status).toBe(200);
    const placed = await stored(noPython, "Kept.ipynb");
    expect(placed.cells[2]!["metadata"]).toStrictEqual({ ...sent.cells[2]!["metadata"] as object, spatial: placement });
    expect(withoutParallax(placed.metadata)).toStrictEqual(sent.metadata);
    // The file itself holds integers where the app wrote integers.
    const raw = await (await fetch(`${noPython}/notebooks/Kept.ipynb/download`)).text();
    expect(raw).toContain('"total_windows": 4');
    expect(raw).toContain('"yaw": 90');
  });

  it("/process_notebook stream outputs carry stream (stdout or stderr)", async () => {
    const notebook = visionOsExport();
    notebook.cells[1]!["outputs"] = [
      { output_type: "stream", name: "stdout", text: ["{\n", '  "window_count": 4\n', "}\n"] },
      { output_type: "stream", name: "stderr", text: "ModuleNotFoundError: No module named 'psutil'\n" },
    ];
    const form = new FormData();
    form.append("notebook", new Blob([JSON.stringify(notebook)], { type: "application/json" }), "notebook.ipynb");
    const report = (await (await fetch(`${noPython}/process_notebook`, { method: "POST", body: form })).json()) as { outputs: unknown[] };
    expect(report.outputs).toEqual([
      { cell_index: 1, output_index: 0, type: "stream", stream: "stdout", text: '{\n  "window_count": 4\n}\n' },
      { cell_index: 1, output_index: 1, type: "stream", stream: "stderr", text: "ModuleNotFoundError: No module named 'psutil'\n" },
    ]);
  });
});
