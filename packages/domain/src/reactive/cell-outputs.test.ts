import { describe, expect, it } from "vitest";
import type { Output } from "../notebook/nbformat.types.js";
import { OutputCollector, TABLE_MIME, errorMessage, errorOutput, noteTruncatedTables, tableBundle, viewOfOutputs } from "./cell-outputs.js";

describe("OutputCollector", () => {
  it("merges chunks of one stream and keeps streams and displays in the order they came", () => {
    const collector = new OutputCollector();
    collector.stream("stdout", "a\n");
    collector.stream("stdout", "b\n");
    collector.stream("stderr", "warn\n");
    collector.add({ output_type: "display_data", data: { "text/plain": "fig" }, metadata: {} });
    collector.stream("stdout", "c\n");
    expect(collector.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "warn\n" },
      { output_type: "display_data", data: { "text/plain": "fig" }, metadata: {} },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
  });

  it("replaces entries rather than changing them, so a copy taken mid-run stays as it was", () => {
    const collector = new OutputCollector();
    collector.stream("stdout", "a");
    const snapshot = [...collector.outputs];
    collector.stream("stdout", "b");
    expect(snapshot).toEqual([{ output_type: "stream", name: "stdout", text: "a" }]);
  });

  it("caps streams with a note and keeps nothing after it", () => {
    const collector = new OutputCollector(10);
    expect(collector.stream("stdout", "123456")).toBe("123456");
    expect(collector.stream("stdout", "7890abc")).toBe("7890\n[output truncated at 10 characters]\n");
    expect(collector.stream("stderr", "more")).toBe("");
    // Text that ends exactly at the cap still gets its note with the next chunk.
    const exact = new OutputCollector(4);
    expect(exact.stream("stdout", "1234")).toBe("1234");
    expect(exact.stream("stdout", "5")).toBe("\n[output truncated at 4 characters]\n");
    expect(OutputCollector.of([{ output_type: "stream", name: "stdout", text: ["12345", "678901"] }], 10)).toEqual([
      { output_type: "stream", name: "stdout", text: "1234567890\n[output truncated at 10 characters]\n" },
    ]);
  });
});

describe("the editor's view of nbformat outputs", () => {
  const png = "iVBORw0KGgo=";
  const outputs: Output[] = [
    { output_type: "stream", name: "stdout", text: ["line 1\n", "line 2\n"] },
    { output_type: "display_data", data: { "image/png": `${png}\n`, "text/plain": ["<Figure size 640x480 with 1 Axes>"] }, metadata: { "image/png": { width: 10 } } },
    { output_type: "execute_result", execution_count: 3, data: { "text/html": ["<table>", "</table>"], "text/plain": ["   a\n", "0  1"] }, metadata: {} },
    { output_type: "display_data", data: { [TABLE_MIME]: { type: "table", columns: ["a"], rows: [[1]] }, "text/html": "<table/>" }, metadata: {} },
    { output_type: "display_data", data: { "image/jpeg": png }, metadata: {} },
    { output_type: "display_data", data: { "application/vnd.jupyter.widget-view+json": { model_id: "m" } }, metadata: {} },
    {
      output_type: "error",
      ename: "ZeroDivisionError",
      evalue: "division by zero",
      traceback: ["\u001b[0;31m---------------------------------------------------------------------------\u001b[0m", "\u001b[0;31mZeroDivisionError\u001b[0m: division by zero"],
    },
  ];

  it("shows one output per display (its richest type), streams and the plain traceback as stdout, the error as `Name: value`", () => {
    const view = viewOfOutputs(outputs);
    expect(view.stdout).toBe("line 1\nline 2\n---------------------------------------------------------------------------\nZeroDivisionError: division by zero\n");
    expect(view.error).toBe("ZeroDivisionError: division by zero");
    expect(view.outputs).toEqual([
      { mime_type: "image/png", data: png, metadata: { "image/png": { width: 10 } } },
      { mime_type: "text/html", data: "<table></table>", metadata: {} },
      { mime_type: "application/json", data: { type: "table", columns: ["a"], rows: [[1]] }, metadata: {} },
      { mime_type: "text/html", data: `<img src="data:image/jpeg;base64,${png}"/>`, metadata: {} },
    ]);
  });

  it("leaves a traceback that only repeats the message out of stdout", () => {
    expect(viewOfOutputs([errorOutput("kernel died")])).toEqual({ stdout: "", outputs: [], error: "kernel died" });
    expect(errorOutput("TimeoutError: cell execution timed out after 2 s")).toMatchObject({ ename: "TimeoutError", evalue: "cell execution timed out after 2 s" });
    expect(errorMessage(errorOutput("KeyError: 'k': x", ["Traceback", "KeyError: 'k': x"]))).toBe("KeyError: 'k': x");
  });
});

describe("tableBundle", () => {
  it("carries the table for the editor and escaped HTML and aligned text previews for Jupyter", () => {
    const bundle = tableBundle({ columns: ["name", "n"], rows: [["<b>", 1], [null, 22]], truncated: true });
    expect(bundle[TABLE_MIME]).toEqual({ type: "table", columns: ["name", "n"], rows: [["<b>", 1], [null, 22]], truncated: true });
    expect(bundle["text/html"]).toBe("<table><thead><tr><th>name</th><th>n</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td>1</td></tr><tr><td></td><td>22</td></tr></tbody></table><p>result truncated</p>");
    expect(bundle["text/plain"]).toBe("name  n\n<b>   1\n      22\n[result truncated]");
  });
});

describe("noteTruncatedTables", () => {
  const table = (extra: object) => ({ output_type: "display_data", data: { [TABLE_MIME]: { type: "table", columns: ["n"], rows: [[1], [2]], ...extra }, "text/plain": "n" }, metadata: {} }) as Output;
  const note = (text: string) => ({ output_type: "display_data", data: { "text/plain": text }, metadata: {} }) as Output;

  it("follows a cut table with a note of its own, the editor's only sign of the cut (it ignores `truncated`)", () => {
    const pandas = table({ truncated: true, total_rows: 5000 });
    expect(noteTruncatedTables([pandas])).toEqual([pandas, note("[table truncated: first 2 of 5000 rows shown]")]);
    const sql = table({ truncated: true });
    expect(viewOfOutputs(noteTruncatedTables([sql])).outputs.map((output) => output.data)).toEqual([
      { type: "table", columns: ["n"], rows: [[1], [2]], truncated: true },
      "[table truncated: first 2 rows shown]",
    ]);
  });

  it("leaves a whole table, and a cut one already followed by its note, as they are (so noting twice changes nothing)", () => {
    const whole = table({});
    const capped = [table({ truncated: true }), note("[output truncated: 2 of 900 rows shown, 2 MiB > 1 MiB limit]")];
    expect(noteTruncatedTables([whole])).toEqual([whole]);
    expect(noteTruncatedTables(capped)).toEqual(capped);
    const once = noteTruncatedTables([table({ truncated: true }), note("hello")]);
    expect(once).toHaveLength(3);
    expect(noteTruncatedTables(once)).toEqual(once);
  });
});
