import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvDraft04 from "ajv-draft-04";
import { describe, expect, it } from "vitest";
import type { Cell, CodeCell, Notebook, Output } from "@parallax/domain/notebook";
import { hasShared, readShared } from "../../../../tests/shared-fixtures.testkit.js";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import { suiteHost } from "../host/test-host.testkit.js";
import { NotebookSocketClient, okJson } from "./reactive-test-client.testkit.js";

/**
 * Issue 13's acceptance: a notebook Jupyter wrote, uploaded through §A, edited and run through §B,
 * downloaded through §A, is what was uploaded apart from the edited cell, whose outputs are what
 * Jupyter would have written, and the file is valid nbformat 4.5.
 */
const python = pythonWith("matplotlib") ?? pythonWith();
const figures = python !== undefined && python === pythonWith("matplotlib");
const hasSchema = hasShared("fixtures/nbformat/schema/nbformat.v4.5.schema.json");
if (!hasSchema) console.warn("round trip: ../shared/fixtures/nbformat not found, the official schema check is skipped");

const fixture = (file: string) => readFileSync(join(import.meta.dirname, "fixtures", file));
const text = (source: string | string[]) => (Array.isArray(source) ? source.join("") : source);
const codeCells = (notebook: Notebook) => notebook.cells.filter((cell): cell is CodeCell => cell.cell_type === "code");

describe.skipIf(!python)("a Jupyter notebook survives a §B edit (upload §A → edit and run §B → download §A)", () => {
  const suite = suiteHost("parallax-roundtrip-", { STORAGE: "file", CELL_TIMEOUT_S: 30, PYTHON_BIN: python! });
  const validate = hasSchema ? new AjvDraft04.default({ strict: false }).compile(JSON.parse(readShared("fixtures/nbformat/schema/nbformat.v4.5.schema.json")) as object) : undefined;


  async function upload(name: string, file: string): Promise<Notebook> {
    const form = new FormData();
    form.append("file", new Blob([fixture(file)]), "notebook.ipynb");
    expect((await fetch(`${suite.host.url()}/convert/${name}`, { method: "POST", body: form })).status).toBe(200);
    return download(name);
  }

  async function download(name: string): Promise<Notebook> {
    const response = await fetch(`${suite.host.url()}/notebooks/${name}.ipynb`);
    expect(response.status).toBe(200);
    return (await response.json()) as Notebook;
  }

  const put = (name: string, cellId: string, code: string) => okJson(suite.host, "PUT", `/api/v1/notebooks/${name}/cells/${cellId}`, { code });

  /** Runs the cell over the WebSocket and returns the stored notebook once the run's results are in it (runs are saved in the background). */
  async function runCell(name: string, cellId: string, status: string): Promise<Notebook> {
    const client = await NotebookSocketClient.connect(suite.host.url(), name);
    try {
      client.send({ type: "run_cell", cellId });
      expect(await client.finalStatus(cellId)).toBe(status);
    } finally {
      await client.close();
    }
    const stored = () => download(name).then((notebook) => notebook.cells.find((cell) => cell.id === cellId)?.metadata["parallax"]);
    await expect.poll(stored, { timeout: 10_000 }).toMatchObject({ status });
    return download(name);
  }

  /** Every cell but `edited` is deep-equal to the upload, and so is the notebook metadata but Parallax's own key. */
  function expectUntouched(after: Notebook, before: Notebook, edited?: string): void {
    expect(after.cells.map((cell) => cell.id)).toEqual(before.cells.map((cell) => cell.id));
    const others = (notebook: Notebook) => notebook.cells.filter((cell) => cell.id !== edited);
    expect(others(after)).toEqual(others(before));
    const { parallax: _after, ...metadata } = after.metadata;
    const { parallax: _before, ...uploaded } = before.metadata;
    expect(metadata).toEqual(uploaded);
  }

  function expectValid(notebook: Notebook): void {
    if (!validate) return;
    expect(validate(notebook), JSON.stringify(validate.errors)).toBe(true);
  }

  const edited = (notebook: Notebook, id: string): CodeCell => notebook.cells.find((cell: Cell) => cell.id === id) as CodeCell;

  it.each([["analysis", "analysis-4.4.ipynb"], ["widgets", "widgets-4.5.ipynb"]])(
    "%s: saving a cell with the same code changes no cell (the first §B edit used to rewrite them all)",
    async (name, file) => {
      const uploaded = await upload(`${name}-same`, file);
      const first = codeCells(uploaded)[0]!;
      await put(`${name}-same`, first.id!, text(first.source));
      const after = await download(`${name}-same`);
      expectUntouched(after, uploaded);
      expect(after.metadata["parallax"]).toMatchObject({ name: `${name}-same`, revision: 1 });
      expectValid(after);
    },
  );

  it("a 4.4 notebook: the edited cell runs as Jupyter writes it (streams, then the numbered result), the rest is as uploaded", async () => {
    const uploaded = await upload("analysis", "analysis-4.4.ipynb");
    expect(uploaded.nbformat_minor).toBe(5);
    const target = codeCells(uploaded).find((cell) => text(cell.source).startsWith("greeting"))!;
    await put("analysis", target.id!, 'greeting = "hi"\nprint(greeting)\nprint(greeting, "again")\ngreeting.upper()');
    const after = await runCell("analysis", target.id!, "success");
    expectUntouched(after, uploaded, target.id);
    expect(edited(after, target.id!)).toEqual({
      id: target.id,
      cell_type: "code",
      metadata: { parallax: { language: "python", status: "success", reads: [], writes: ["greeting"] } },
      source: 'greeting = "hi"\nprint(greeting)\nprint(greeting, "again")\ngreeting.upper()',
      execution_count: 1,
      outputs: [
        { output_type: "stream", name: "stdout", text: "hi\nhi again\n" },
        { output_type: "execute_result", execution_count: 1, data: { "text/plain": "'HI'" }, metadata: {} },
      ],
    });
    expectValid(after);

    await put("analysis", target.id!, 'def _fail():\n    raise ValueError("bad input")\n_fail()');
    const failed = await runCell("analysis", target.id!, "error");
    expectUntouched(failed, uploaded, target.id);
    const cell = edited(failed, target.id!);
    expect(cell.execution_count).toBe(2);
    expect(cell.outputs).toHaveLength(1);
    const error = cell.outputs[0] as Extract<Output, { output_type: "error" }>;
    expect(error).toMatchObject({ output_type: "error", ename: "ValueError", evalue: "bad input" });
    expect(error.traceback.length).toBeGreaterThan(3);
    expect(error.traceback.join("\n")).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*line 3, in <module>[\s\S]*line 2, in _fail[\s\S]*ValueError: bad input$/);
    expectValid(failed);
  });

  it("a 4.5 notebook with widget state: the edited cell's streams stay in order around its displays", async () => {
    const uploaded = await upload("widgets", "widgets-4.5.ipynb");
    const code = figures
      ? 'import sys\nimport matplotlib.pyplot as _plt\nprint("before")\nprint("careful", file=sys.stderr)\n_plt.plot([1, 2])\n_plt.show()\nprint("after")\n6 * 7'
      : 'import sys\nprint("before")\nprint("careful", file=sys.stderr)\nprint("after")\n6 * 7';
    await put("widgets", "edit-me", code);
    const after = await runCell("widgets", "edit-me", "success");
    expectUntouched(after, uploaded, "edit-me");
    expect(after.metadata["widgets"]).toEqual(uploaded.metadata["widgets"]);
    const cell = edited(after, "edit-me");
    expect(cell.metadata).toMatchObject({ tags: ["edited-by-test"], parallax: { status: "success" } });
    const shapes = cell.outputs.map((output) => (output.output_type === "stream" ? `${output.name}:${text(output.text)}` : output.output_type));
    expect(shapes).toEqual(["stdout:before\n", "stderr:careful\n", ...(figures ? ["display_data"] : []), "stdout:after\n", "execute_result"]);
    if (figures) expect(cell.outputs[2]).toMatchObject({ data: { "image/png": expect.any(String), "text/plain": expect.stringMatching(/^<Figure size/) } });
    expect(cell.outputs.at(-1)).toEqual({ output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} });
    expectValid(after);
  });
});
