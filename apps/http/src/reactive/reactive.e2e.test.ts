import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { NotebookSocketClient, callApi as api } from "./reactive-test-client.testkit.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("reactive e2e: python3 not found, the Python part is skipped");

async function addCell(host: Host, notebookId: string, type: string, code: string, after?: string): Promise<string> {
  const created = await api(host, "POST", `/api/v1/notebooks/${notebookId}/cells`, { type, ...(after ? { after_cell_id: after } : {}) });
  expect(created.status).toBe(200);
  const cellId = String(created.json["cell_id"]);
  expect((await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cellId}`, { code })).status).toBe(200);
  return cellId;
}

describe.skipIf(!hasPython)("reactive notebooks over HTTP + WebSocket (python3)", () => {
  let host: Host;
  let dataDir: string;
  let notebookId: string;
  let cells: { x: string; y: string; show: string };
  let client: NotebookSocketClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-reactive-"));
    host = await startTestHost({ DATA_DIR: dataDir, STORAGE: "memory", CELL_TIMEOUT_S: 2, WS_AUTH_TIMEOUT_MS: 500 });
    const created = await api(host, "POST", "/api/v1/notebooks/");
    notebookId = String(created.json["notebook_id"]);
    const notebook = await api(host, "GET", `/api/v1/notebooks/${notebookId}/`);
    const first = (notebook.json["cells"] as Array<{ id: string; type: string }>)[0]!;
    expect(first.type).toBe("python");
    await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${first.id}`, { code: "x = 1" });
    const y = await addCell(host, notebookId, "python", "y = x + 1", first.id);
    const show = await addCell(host, notebookId, "python", "print(y)", y);
    cells = { x: first.id, y, show };
    client = await NotebookSocketClient.connect(host.url(), notebookId);
  });

  afterAll(async () => {
    await client?.close();
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("authenticates any token as the local user", () => {
    expect(client.messages[0]).toEqual({ type: "authenticated", user_id: "local" });
  });

  it("lists the user's demo and blank notebooks (demo-local, blank-local) and accepts trailing slashes", async () => {
    const listed = await api(host, "GET", "/api/v1/notebooks/");
    const ids = (listed.json["notebooks"] as Array<{ id: string }>).map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(["demo-local", "blank-local", notebookId]));
    // The id `demo` names the user's own, as on the socket.
    expect((await api(host, "GET", "/api/v1/notebooks/demo")).json["id"]).toBe("demo-local");
    const demo = await api(host, "GET", "/api/v1/notebooks/demo-local/");
    expect((demo.json["cells"] as unknown[]).length).toBe(5);
    expect((await api(host, "GET", "/api/v1/notebooks/nope")).status).toBe(404);
  });

  it("runs a cell and its dependents in order, streaming statuses and stdout", async () => {
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId: cells.x });
    expect(await client.finalStatus(cells.show, from)).toBe("success");
    const statuses = client
      .events(from)
      .filter((event) => event["type"] === "cell_status")
      .map((event) => `${String(event["cellId"])}:${String(event["status"])}`);
    expect(statuses).toEqual([
      `${cells.x}:running`,
      `${cells.x}:success`,
      `${cells.y}:running`,
      `${cells.y}:success`,
      `${cells.show}:running`,
      `${cells.show}:success`,
    ]);
    expect(client.stdout(cells.show, from)).toBe("2\n");
  });

  it("re-runs dependents after an edit", async () => {
    const revision = Number((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).json["revision"]);
    const edited = await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cells.x}`, { code: "x = 10", expected_revision: revision });
    expect(edited.json).toEqual({ status: "ok", revision: revision + 1 });
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId: cells.x });
    expect(await client.finalStatus(cells.show, from)).toBe("success");
    expect(client.stdout(cells.show, from)).toBe("11\n");
    const stored = await api(host, "GET", `/api/v1/notebooks/${notebookId}`);
    const show = (stored.json["cells"] as Array<Record<string, unknown>>).find((cell) => cell["id"] === cells.show)!;
    expect(show).toMatchObject({ status: "success", stdout: "11\n", reads: ["y"] });
  });

  it("answers a stale expected_revision with 409 and the current revision", async () => {
    const current = Number((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).json["revision"]);
    const stale = await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cells.show}`, { code: "print(y)", expected_revision: current - 1 });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ revision: current });
    expect(typeof stale.json["detail"]).toBe("string");
  });

  it("marks a raising cell error and its dependents blocked", async () => {
    await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cells.y}`, { code: "y = x + 1\nraise ValueError('boom')" });
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId: cells.y });
    expect(await client.finalStatus(cells.y, from)).toBe("error");
    expect(await client.finalStatus(cells.show, from)).toBe("blocked");
    const error = client.events(from).find((event) => event["type"] === "cell_error" && event["cellId"] === cells.y);
    expect(error?.["error"]).toBe("ValueError: boom");
    await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${cells.y}`, { code: "y = x + 1" });
  });

  it("stops `while True: pass` at the timeout and the kernel still answers", async () => {
    const loop = await addCell(host, notebookId, "python", "while True: pass");
    let from = client.messages.length;
    client.send({ type: "run_cell", cellId: loop });
    expect(await client.finalStatus(loop, from)).toBe("error");
    const error = client.events(from).find((event) => event["type"] === "cell_error" && event["cellId"] === loop);
    expect(String(error?.["error"])).toMatch(/timed out after 2 s/);
    from = client.messages.length;
    client.send({ type: "run_cell", cellId: cells.x });
    expect(await client.finalStatus(cells.show, from)).toBe("success");
    expect(client.stdout(cells.show, from)).toBe("11\n");
    await api(host, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${loop}`);
  });

  it("reports `kernel died` when the kernel is killed mid-run, and the next run works", async () => {
    const sleeper = await addCell(host, notebookId, "python", "import os as _os, time as _time\nprint(_os.getpid(), flush=True)\n_time.sleep(30)");
    let from = client.messages.length;
    client.send({ type: "run_cell", cellId: sleeper });
    const pidEvent = await client.waitFor((event) => event["type"] === "cell_stdout" && event["cellId"] === sleeper, from);
    process.kill(Number(String(pidEvent["data"]).trim()), "SIGKILL");
    expect(await client.finalStatus(sleeper, from)).toBe("error");
    const error = client.events(from).find((event) => event["type"] === "cell_error" && event["cellId"] === sleeper);
    expect(error?.["error"]).toBe("kernel died");
    from = client.messages.length;
    client.send({ type: "run_cell", cellId: cells.x });
    expect(await client.finalStatus(cells.show, from)).toBe("success");
    expect(client.stdout(cells.show, from)).toBe("11\n");
    await api(host, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${sleeper}`);
  });

  it("binds `{y}` in a SQL cell as a parameter and returns a table", async () => {
    const query = await addCell(host, notebookId, "sql", "SELECT {y} AS y, {y} * 2 AS doubled, '{y}' AS literal");
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId: query });
    expect(await client.finalStatus(query, from)).toBe("success");
    const output = client.events(from).find((event) => event["type"] === "cell_output" && event["cellId"] === query);
    expect(output?.["output"]).toEqual({
      mime_type: "application/json",
      data: { type: "table", columns: ["y", "doubled", "literal"], rows: [[11, 22, "{y}"]] },
      metadata: {},
    });
  });

  it("caps SQL results at 1,000 rows with a truncation note", async () => {
    const big = await addCell(host, notebookId, "sql", "SELECT range AS n FROM range(5000)");
    const from = client.messages.length;
    client.send({ type: "run_cell", cellId: big });
    expect(await client.finalStatus(big, from)).toBe("success");
    const output = client.events(from).find((event) => event["type"] === "cell_output" && event["cellId"] === big);
    const data = (output?.["output"] as { data: { rows: unknown[]; truncated?: boolean } }).data;
    expect(data.rows).toHaveLength(1000);
    expect(data.truncated).toBe(true);
    // The editor ignores `truncated`: the note is a text output of its own (it used to be stdout).
    const note = client.events(from).filter((event) => event["type"] === "cell_output" && event["cellId"] === big)[1];
    expect(note?.["output"]).toEqual({ mime_type: "text/plain", data: "[table truncated: first 1000 rows shown]", metadata: {} });
  });

  it("shows every event, in the same order, to two clients of one notebook", async () => {
    const second = await NotebookSocketClient.connect(host.url(), notebookId);
    try {
      const fromFirst = client.messages.length;
      const fromSecond = second.messages.length;
      second.send({ type: "run_cell", cellId: cells.x });
      await client.finalStatus(cells.show, fromFirst);
      await second.finalStatus(cells.show, fromSecond);
      // Both lists up to the chain's last event (cells after it in the plan may still be running).
      const upToShow = (events: Array<Record<string, unknown>>) =>
        events.slice(0, events.findIndex((e) => e["type"] === "cell_status" && e["cellId"] === cells.show && e["status"] !== "running") + 1);
      const firstEvents = upToShow(client.events(fromFirst));
      const chain = new Set([cells.x, cells.y, cells.show]);
      expect(firstEvents.filter((e) => e["type"] === "cell_status" && chain.has(String(e["cellId"])))).toHaveLength(6);
      expect(upToShow(second.events(fromSecond))).toEqual(firstEvents);
    } finally {
      await second.close();
    }
  });

  it("broadcasts cell_created, cell_updated and cell_deleted", async () => {
    const from = client.messages.length;
    const extra = await addCell(host, notebookId, "python", "z = 3");
    await api(host, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${extra}`);
    const types = client.events(from).filter((event) => event["cellId"] === extra).map((event) => event["type"]);
    expect(types).toEqual(["cell_created", "cell_updated", "cell_deleted"]);
  });

  it("answers refresh_auth, and closes a socket that never authenticates with 1008", async () => {
    const from = client.messages.length;
    client.send({ type: "refresh_auth", token: "another" });
    expect(await client.waitFor((m) => m["type"] === "auth_refreshed", from)).toEqual({ type: "auth_refreshed" });
    const { WebSocket } = await import("ws");
    const silent = new WebSocket(`${host.url().replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    const messages: string[] = [];
    silent.on("message", (raw) => messages.push(String(raw)));
    const code = await new Promise<number>((resolve) => silent.once("close", (closeCode) => resolve(closeCode)));
    expect(code).toBe(1008);
    expect(messages.map((m) => JSON.parse(m) as unknown)).toEqual([{ type: "error", message: "Authentication timeout" }]);
  });

  it("refuses a socket that does not authenticate first", async () => {
    const { WebSocket } = await import("ws");
    const socket = new WebSocket(`${host.url().replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "run_cell", cellId: cells.x }));
    expect(await closed).toBe(1008);
  });
});

describe("a JavaScript-only notebook without python3", () => {
  let host: Host;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "parallax-reactive-js-"));
    host = await startTestHost({
      DATA_DIR: dataDir,
      STORAGE: "memory",
      CELL_TIMEOUT_S: 1,
      PYTHON_BIN: join(dataDir, "no-such-python3"),
    });
  });

  afterAll(async () => {
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs JavaScript cells reactively, with console capture and timeouts", async () => {
    const notebookId = String((await api(host, "POST", "/api/v1/notebooks")).json["notebook_id"]);
    const first = ((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).json["cells"] as Array<{ id: string }>)[0]!;
    await api(host, "DELETE", `/api/v1/notebooks/${notebookId}/cells/${first.id}`);
    const a = await addCell(host, notebookId, "javascript", "const a = 2;");
    const b = await addCell(host, notebookId, "javascript", "const b = a * 21;\nconsole.log(b);\nb + 1", a);
    const spin = await addCell(host, notebookId, "javascript", "while (true) {}");
    const client = await NotebookSocketClient.connect(host.url(), notebookId);
    try {
      let from = client.messages.length;
      client.send({ type: "run_cell", cellId: a });
      expect(await client.finalStatus(b, from)).toBe("success");
      expect(client.stdout(b, from)).toBe("42\n");
      const output = client.events(from).find((event) => event["type"] === "cell_output" && event["cellId"] === b);
      expect(output?.["output"]).toEqual({ mime_type: "text/plain", data: "43", metadata: {} });

      await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${a}`, { code: "const a = 3;" });
      from = client.messages.length;
      client.send({ type: "run_cell", cellId: a });
      expect(await client.finalStatus(b, from)).toBe("success");
      expect(client.stdout(b, from)).toBe("63\n");

      from = client.messages.length;
      client.send({ type: "run_cell", cellId: spin });
      expect(await client.finalStatus(spin, from)).toBe("error");
      from = client.messages.length;
      client.send({ type: "run_cell", cellId: b });
      expect(await client.finalStatus(b, from)).toBe("success");
      expect(client.stdout(b, from)).toBe("63\n");
    } finally {
      await client.close();
    }
  });

  it("deletes a notebook: its sockets are closed and it is gone", async () => {
    const notebookId = String((await api(host, "POST", "/api/v1/notebooks")).json["notebook_id"]);
    const client = await NotebookSocketClient.connect(host.url(), notebookId);
    const closed = new Promise<number>((resolve) => client.socket.once("close", (code) => resolve(code)));
    expect((await api(host, "DELETE", `/api/v1/notebooks/${notebookId}/`)).json).toMatchObject({ status: "ok" });
    expect(await closed).toBe(1001);
    expect((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).status).toBe(404);
    const ids = ((await api(host, "GET", "/api/v1/notebooks")).json["notebooks"] as Array<{ id: string }>).map((n) => n.id);
    expect(ids).not.toContain(notebookId);
  });

  it("renames a notebook and sets its database", async () => {
    const notebookId = String((await api(host, "POST", "/api/v1/notebooks")).json["notebook_id"]);
    expect((await api(host, "PUT", `/api/v1/notebooks/${notebookId}/name`, { name: "Renamed" })).json).toEqual({ status: "ok", name: "Renamed" });
    expect((await api(host, "PUT", `/api/v1/notebooks/${notebookId}/db`, { connection_string: "postgres://nowhere" })).json).toEqual({ status: "ok" });
    expect((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).json).toMatchObject({ name: "Renamed", db_conn_string: "postgres://nowhere" });
    expect((await api(host, "PUT", `/api/v1/notebooks/${notebookId}/name`, {})).status).toBe(422);
    expect((await api(host, "POST", `/api/v1/notebooks/${notebookId}/cells`, { type: "ruby" })).status).toBe(422);
    expect((await api(host, "POST", "/api/v1/chat/chat/" + notebookId, { messages: [] })).status).toBe(503);
  });

  it("fails a Python cell with a clear message when python3 is missing", async () => {
    const notebookId = String((await api(host, "POST", "/api/v1/notebooks")).json["notebook_id"]);
    const first = ((await api(host, "GET", `/api/v1/notebooks/${notebookId}`)).json["cells"] as Array<{ id: string }>)[0]!;
    await api(host, "PUT", `/api/v1/notebooks/${notebookId}/cells/${first.id}`, { code: "x = 1" });
    const client = await NotebookSocketClient.connect(host.url(), notebookId);
    try {
      client.send({ type: "run_cell", cellId: first.id });
      expect(await client.finalStatus(first.id)).toBe("error");
      const error = client.events().find((event) => event["type"] === "cell_error");
      expect(String(error?.["error"])).toMatch(/Python is not available/);
    } finally {
      await client.close();
    }
  });
});
