import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { EditorSocket, editorFetch, type EditorCell, type Message } from "./react-editor.testkit.js";

/**
 * The React editor (CONTRACTS.md §B, "What the React editor relies on"), driven as its
 * TypeScript drives the host: the list first (which must hold the user's demo and blank), a
 * create with no body and no Content-Type, one socket per open notebook that authenticates
 * first, cells created, edited (the code PUT again on every blur, never an
 * `expected_revision`) and deleted over REST while the view changes only through the
 * broadcasts that reach the same socket, runs read from their broadcast order, chat posted to
 * `/api/chat/{id}`. A message without a string `cellId` is discarded and one that JSON.parse
 * refuses is lost, as in the browser. Cells are JavaScript and SQL (DuckDB), which need no
 * python3; the data frame test runs where a python3 with pandas exists.
 */
const pandasPython = pythonWith("pandas");

let host: Host;
let base: string;
let dataDir: string;
let notebookId: string;
let editor: EditorSocket;
const sockets: EditorSocket[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "parallax-react-editor-"));
  host = await startTestHost({ DATA_DIR: dataDir, STORAGE: "file", WORKER: "off", CELL_TIMEOUT_S: 20, ...(pandasPython ? { PYTHON_BIN: pandasPython } : {}) });
  base = host.url();
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  await host?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(id: string): Promise<EditorSocket> {
  const socket = await EditorSocket.open(base, id);
  sockets.push(socket);
  await socket.waitFor((m) => m["type"] === "authenticated" || m["type"] === "error");
  return socket;
}

/** The editor's "add cell" button: POST with the type (and the cell it goes after), then the view waits for `cell_created`. */
async function addCell(type: "javascript" | "sql" | "python", code: string, after?: string): Promise<string> {
  const from = editor.received.length;
  const created = await editorFetch(base, "POST", `/api/v1/notebooks/${notebookId}/cells`, { type, ...(after ? { after_cell_id: after } : {}) });
  expect(created.status).toBe(200);
  const cellId = String(created.json["cell_id"]);
  await editor.waitFor((m) => m["type"] === "cell_created" && m["cellId"] === cellId, from);
  await edit(cellId, code);
  return cellId;
}

/** Typing then leaving the cell: the code PUT with no expected_revision, the view updated by `cell_updated`. */
async function edit(cellId: string, code: string): Promise<void> {
  const from = editor.received.length;
  const put = await editorFetch(base, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cellId}`, { code });
  expect(put.status, JSON.stringify(put.json)).toBe(200);
  await editor.waitFor((m) => m["type"] === "cell_updated" && m["cellId"] === cellId && (m["cell"] as EditorCell).code === code, from);
}

/** A run as the editor reads it: `running`, the kept messages in order, the statuses shown by value. */
const runShape = (messages: Message[]) =>
  messages.map((m) => (m["type"] === "cell_status" ? String(m["status"]) : String(m["type"]).replace(/^cell_/, ""))).join(" ");

describe("React editor", () => {
  it("GET /api/v1/notebooks/ creates the user's demo-local and blank-local when missing (AUTH=none: the user is local), and a deleted demo comes back", async () => {
    const listed = await editorFetch(base, "GET", "/api/v1/notebooks/");
    expect(listed.status).toBe(200);
    const ids = (listed.json["notebooks"] as Array<{ id: string; name: string }>).map((notebook) => notebook.id);
    expect(ids).toEqual(expect.arrayContaining(["demo-local", "blank-local"]));
    expect(ids).not.toContain("demo");
    expect(await editorFetch(base, "DELETE", "/api/v1/notebooks/demo-local")).toMatchObject({ status: 200, json: { status: "ok" } });
    const again = await editorFetch(base, "GET", "/api/v1/notebooks/");
    expect((again.json["notebooks"] as Array<{ id: string }>).map((notebook) => notebook.id)).toContain("demo-local");
    expect(((await editorFetch(base, "GET", "/api/v1/notebooks/demo-local")).json["cells"] as unknown[]).length).toBe(5);
  });

  it("both /api/v1/notebooks and /api/v1/notebooks/ answer directly (no redirect) with JSON and Content-Type application/json", async () => {
    for (const path of ["/api/v1/notebooks", "/api/v1/notebooks/"]) {
      for (const method of ["GET", "POST"]) {
        const answer = await editorFetch(base, method, path);
        expect({ path, method, status: answer.status, location: answer.location }).toEqual({ path, method, status: 200, location: null });
        expect(answer.contentType).toMatch(/^application\/json/);
      }
    }
  });

  it("POST /api/v1/notebooks/ with no body and no Content-Type creates a notebook with one empty python cell, reads and writes arrays", async () => {
    const created = await editorFetch(base, "POST", "/api/v1/notebooks/");
    expect(created).toMatchObject({ status: 200, json: { notebook_id: expect.any(String) } });
    notebookId = String(created.json["notebook_id"]);
    const notebook = await editorFetch(base, "GET", `/api/v1/notebooks/${notebookId}`);
    expect(notebook.contentType).toMatch(/^application\/json/);
    expect(notebook.json).toMatchObject({ id: notebookId, db_conn_string: null, cells: [{ type: "python", code: "", status: "idle", reads: [], writes: [], outputs: [] }] });
  });

  it("the WebSocket answers authenticate with authenticated, and the alias demo opens the user's demo-local", async () => {
    editor = await open(notebookId);
    expect(editor.received[0]).toEqual({ type: "authenticated", user_id: "local" });

    const demo = await open("demo");
    expect(demo.received[0]).toEqual({ type: "authenticated", user_id: "local" });
    const from = demo.received.length;
    await editorFetch(base, "PUT", "/api/v1/notebooks/demo-local/cells/demo-x", { code: "x = 6" });
    expect(await demo.waitFor((m) => m["type"] === "cell_updated", from)).toMatchObject({ cellId: "demo-x", cell: { code: "x = 6", writes: ["x"] } });
  });

  it("PUT .../db with \"\" on every blur answers ok and keeps the embedded database", async () => {
    for (let blur = 0; blur < 3; blur++) {
      const answer = await editorFetch(base, "PUT", `/api/v1/notebooks/${notebookId}/db/`, { connection_string: "" });
      expect(answer).toMatchObject({ status: 200, json: { status: "ok" } });
    }
    expect((await editorFetch(base, "GET", `/api/v1/notebooks/${notebookId}/`)).json["db_conn_string"]).toBeNull();
  });

  it("the view changes only on broadcasts on the same socket: cell_created {cellId, index, cell}, cell_updated {cellId, cell}, cell_deleted {cellId}", async () => {
    const first = String(((await editorFetch(base, "GET", `/api/v1/notebooks/${notebookId}`)).json["cells"] as Array<{ id: string }>)[0]!.id);
    // The socket opened before any change: the editor's view starts from what the REST GET showed.
    editor.cells.push({ id: first, type: "python", code: "", status: "idle", reads: [], writes: [], error: null, outputs: [] });

    let from = editor.received.length;
    const created = await editorFetch(base, "POST", `/api/v1/notebooks/${notebookId}/cells/`, { type: "javascript", after_cell_id: first });
    const cellId = String(created.json["cell_id"]);
    const announced = await editor.waitFor((m) => m["type"] === "cell_created", from);
    expect(announced).toEqual({
      type: "cell_created",
      cellId,
      index: 1,
      cell: expect.objectContaining({ id: cellId, type: "javascript", code: "", status: "idle", reads: [], writes: [] }),
    });

    from = editor.received.length;
    await editorFetch(base, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cellId}/`, { code: "const total = base + 1;" });
    const updated = await editor.waitFor((m) => m["type"] === "cell_updated", from);
    expect(updated).toMatchObject({ cellId, cell: { code: "const total = base + 1;", reads: ["base"], writes: ["total"], status: "idle", error: null } });
    expect(editor.cells.map((cell) => [cell.id, cell.code])).toEqual([
      [first, ""],
      [cellId, "const total = base + 1;"],
    ]);

    from = editor.received.length;
    expect(await editorFetch(base, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${first}/`)).toMatchObject({ status: 200, json: { status: "ok", revision: expect.any(Number) } });
    expect(await editor.waitFor((m) => m["type"] === "cell_deleted", from)).toEqual({ type: "cell_deleted", cellId: first });
    expect(editor.cells.map((cell) => cell.id)).toEqual([cellId]);
    await editorFetch(base, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${cellId}`);
    await editor.waitFor((m) => m["type"] === "cell_deleted" && m["cellId"] === cellId, from);
  });

  it("a run: cell_status running first (outputs cleared), live cell_stdout, the final cell_status, then one cell_output per output", async () => {
    const cell = await addCell("javascript", 'console.log("step 1");\nconst answer = 6 * 7;\nanswer');
    // Live stdout is sent while the cell runs (the contract's order lists stdout after the final
    // status; the editor appends cell_stdout wherever it comes, after `running` cleared the view).
    const from = await editor.run(cell);
    expect(runShape(editor.about(cell, from)).replace(/ updated$/, "")).toBe("running stdout success output");
    expect(editor.cell(cell)).toMatchObject({ status: "success", outputs: [{ mime_type: "stdout", data: "step 1\n" }, { mime_type: "text/plain", data: "42" }] });
  });

  it("a failed run: the final cell_status, the traceback as cell_stdout, cell_error (shown as text, status error), never the error as a cell_output", async () => {
    const cell = await addCell("javascript", 'console.log("before");\nthrow new Error("boom")');
    const from = await editor.run(cell);
    const shape = runShape(editor.about(cell, from)).replace(/ updated$/, "");
    expect(shape, JSON.stringify(editor.about(cell, from))).toBe("running stdout error stdout error");
    expect(editor.about(cell, from).filter((m) => m["type"] === "cell_output")).toEqual([]);
    expect(editor.about(cell, from).find((m) => m["type"] === "cell_error")).toMatchObject({ error: "Error: boom" });
    expect(editor.cell(cell)).toMatchObject({ status: "error", error: "Error: boom" });
    expect(editor.cell(cell)!.outputs.at(-1)).toEqual({ mime_type: "error", data: "Error: boom" });
  });

  it("a blocked cell gets only cell_status blocked", async () => {
    const upstream = await addCell("javascript", 'const seed = 1;\nthrow new Error("upstream failed")');
    const downstream = await addCell("javascript", "seed + 1", upstream);
    const from = await editor.run(upstream, downstream);
    expect(editor.about(downstream, from).slice(0, -1)).toEqual([{ type: "cell_status", cellId: downstream, status: "blocked" }]);
    expect(editor.cell(downstream)!.status).toBe("blocked");
  });

  it("a cycle shows only through cell_status error and cell_error to each cell in it", async () => {
    const a = await addCell("javascript", "const p = 1;");
    const b = await addCell("javascript", "const q = p + 1;", a);
    await edit(a, "const p = q + 1;");
    const from = await editor.run(a, b);
    for (const cell of [a, b]) {
      const messages = editor.about(cell, from).filter((m) => m["type"] !== "cell_updated");
      expect(messages).toEqual([
        { type: "cell_status", cellId: cell, status: "error" },
        { type: "cell_error", cellId: cell, error: expect.stringMatching(/^Circular dependency detected: /) },
      ]);
    }
    expect([editor.cell(a)!.status, editor.cell(b)!.status]).toEqual(["error", "error"]);
  });

  it("tables: rows are arrays of arrays and NaN, Infinity and -Infinity from DuckDB doubles are null, in a message JSON.parse accepts", async () => {
    const cell = await addCell("sql", "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '-inf'::DOUBLE AS c, 1.5::DOUBLE AS d");
    const from = await editor.run(cell);
    expect(editor.unparseable).toEqual([]);
    const output = editor.about(cell, from).find((m) => m["type"] === "cell_output");
    expect(output?.["output"]).toEqual({ mime_type: "application/json", data: { type: "table", columns: ["a", "b", "c", "d"], rows: [[null, null, null, 1.5]] }, metadata: {} });
  });

  it("tables: NaN and ±Infinity in a JavaScript table are null", async () => {
    const cell = await addCell("javascript", '({ type: "table", columns: ["v"], rows: [[NaN], [Infinity], [-Infinity], [2]] })');
    const from = await editor.run(cell);
    const output = editor.about(cell, from).find((m) => m["type"] === "cell_output");
    expect(output?.["output"]).toMatchObject({ mime_type: "application/json", data: { type: "table", rows: [[null], [null], [null], [2]] } });
  });

  it("tables: a result cut at 1,000 rows carries its truncation note as a text output of its own (the editor ignores `truncated`)", async () => {
    const cell = await addCell("sql", "SELECT range AS n FROM range(1001)");
    const from = await editor.run(cell);
    const outputs = editor.about(cell, from).filter((m) => m["type"] === "cell_output").map((m) => m["output"] as { mime_type: string; data: unknown });
    expect(outputs.map((output) => output.mime_type)).toEqual(["application/json", "text/plain"]);
    expect((outputs[0]!.data as { rows: unknown[][] }).rows).toHaveLength(1000);
    expect(outputs[1]!.data).toBe("[table truncated: first 1000 rows shown]");
  });

  it.skipIf(!pandasPython)("tables: a pandas frame's NaN and ±inf are null, and a frame over 1,000 rows shows its note", async () => {
    const cell = await addCell("python", 'import pandas as pd\npd.DataFrame({"v": [1.0, float("nan"), float("inf"), float("-inf")]})');
    let from = await editor.run(cell);
    expect(editor.unparseable).toEqual([]);
    const table = editor.about(cell, from).find((m) => m["type"] === "cell_output")?.["output"];
    expect(table).toMatchObject({ mime_type: "application/json", data: { type: "table", columns: ["v"], rows: [[1], [null], [null], [null]] } });

    await edit(cell, 'import pandas as pd\npd.DataFrame({"n": range(1500)})');
    from = await editor.run(cell);
    const outputs = editor.about(cell, from).filter((m) => m["type"] === "cell_output").map((m) => (m["output"] as { data: unknown }).data);
    expect(outputs[1]).toBe("[table truncated: first 1000 of 1500 rows shown]");
  });

  it("chat is posted to /api/chat/{id} and /api/v1/chat/chat/{id}: 503 with a detail naming LLM_PROVIDER, LLM_MODEL and LLM_API_KEY until the assistant exists", async () => {
    // The editor's history: the greeting first, two assistant turns in a row, an empty content.
    const messages = [
      { role: "assistant", content: "Hi! How can I help with this notebook?" },
      { role: "user", content: "Plot x" },
      { role: "assistant", content: "" },
      { role: "assistant", content: "Done." },
      { role: "user", content: "Thanks" },
    ];
    for (const path of [`/api/chat/${notebookId}`, `/api/v1/chat/chat/${notebookId}`]) {
      const answer = await editorFetch(base, "POST", path, { messages });
      expect(answer.status, path).toBe(503);
      expect(answer.json["detail"]).toEqual(expect.stringMatching(/LLM_PROVIDER.*LLM_MODEL.*LLM_API_KEY/));
      expect((await editorFetch(base, "POST", path, { messages: "hello" })).status).toBe(422);
      expect((await editorFetch(base, "POST", path, { messages: [{ role: "system", content: "obey" }] })).status).toBe(422);
    }
  });

  it("the socket closes with 1008 after authenticated when the notebook is missing (the editor then stops reconnecting)", async () => {
    const missing = await open("no-such-notebook");
    expect(await missing.closed).toEqual({ code: 1008 });
    expect(missing.received).toEqual([{ type: "authenticated", user_id: "local" }, { type: "error", message: "Notebook not found" }]);
  });

  it("a deleted notebook closes its socket with 1001; the editor's reconnect with the same token gets 1008 and stops", async () => {
    const doomed = String((await editorFetch(base, "POST", "/api/v1/notebooks")).json["notebook_id"]);
    const watching = await open(doomed);
    await editorFetch(base, "DELETE", `/api/v1/notebooks/${doomed}/`);
    expect(await watching.closed).toEqual({ code: 1001 });
    const retry = await open(doomed);
    expect(await retry.closed).toEqual({ code: 1008 });
  });

  it("every WebSocket message other than authenticated/error had a string cellId (none was discarded) and every cell payload had reads and writes arrays", () => {
    const all = sockets.flatMap((socket) => socket.received);
    expect(all.length).toBeGreaterThan(50);
    expect(sockets.flatMap((socket) => socket.discarded)).toEqual([]);
    expect(sockets.flatMap((socket) => socket.unparseable)).toEqual([]);
    for (const message of all.filter((m) => m["cell"] !== undefined)) {
      const cell = message["cell"] as EditorCell;
      expect([Array.isArray(cell.reads), Array.isArray(cell.writes)], JSON.stringify(message)).toEqual([true, true]);
    }
  });
});
