import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { WebSocketRecorder, type Message } from "../host/websocket-recorder.testkit.js";

/** A §B REST call with an optional JSON body; its status and JSON answer. */
export async function callApi(host: Host, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${host.url()}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A §B REST call that must succeed; its JSON answer. */
export async function okJson(host: Host, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const { status, json } = await callApi(host, method, path, body);
  expect(status, `${method} ${path}`).toBe(200);
  return json;
}

/** A §B WebSocket client for end-to-end tests: authenticates, then reads cell events. */
export class NotebookSocketClient {
  private constructor(
    private readonly recorder: WebSocketRecorder,
    private readonly baseUrl: string,
    private readonly notebookId: string,
  ) {}

  static async connect(baseUrl: string, notebookId: string, token = "any-token"): Promise<NotebookSocketClient> {
    const recorder = await WebSocketRecorder.open(`${baseUrl.replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    const client = new NotebookSocketClient(recorder, baseUrl, notebookId);
    client.send({ type: "authenticate", token });
    await client.waitFor((message) => message["type"] === "authenticated" || message["type"] === "error");
    return client;
  }

  get messages(): Message[] {
    return this.recorder.messages;
  }

  get socket() {
    return this.recorder.socket;
  }

  send(message: unknown): void {
    this.recorder.send(message);
  }

  /** Events (messages with a cellId) from `from` on. */
  events(from = 0): Message[] {
    return this.messages.slice(from).filter((message) => "cellId" in message);
  }

  waitFor(match: (message: Message) => boolean, from = 0, timeoutMs = 20_000): Promise<Message> {
    return this.recorder.waitFor(match, { from, timeoutMs });
  }

  /**
   * Waits for a final status (not `running`) of `cellId` after index `from`, and for the run's
   * messages §B sends after it (traceback, `cell_error`, outputs): broadcasts keep their order,
   * so once a cell added (and removed) after it is announced, they are all here.
   */
  async finalStatus(cellId: string, from = 0, timeoutMs?: number): Promise<string> {
    const final = await this.waitFor(
      (message) => message["type"] === "cell_status" && message["cellId"] === cellId && message["status"] !== "running",
      from,
      timeoutMs,
    );
    const at = this.messages.indexOf(final);
    const cells = `${this.baseUrl}/api/v1/notebooks/${this.notebookId}/cells`;
    const added = await fetch(cells, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "javascript" }) });
    if (added.ok) {
      const marker = String(((await added.json()) as { cell_id: string }).cell_id);
      await this.waitFor((message) => message["type"] === "cell_created" && message["cellId"] === marker, at, timeoutMs);
      await fetch(`${cells}/${marker}`, { method: "DELETE" });
      await this.waitFor((message) => message["type"] === "cell_deleted" && message["cellId"] === marker, at, timeoutMs);
    }
    return String(final["status"]);
  }

  stdout(cellId: string, from = 0): string {
    return this.events(from)
      .filter((event) => event["type"] === "cell_stdout" && event["cellId"] === cellId)
      .map((event) => String(event["data"]))
      .join("");
  }

  close(): Promise<void> {
    return this.recorder.close();
  }
}

/** A new notebook holding one cell of `type` with `code`, made over HTTP; the cell's id. */
export async function notebookWithCell(baseUrl: string, type: "python" | "javascript" | "sql", code: string): Promise<{ notebookId: string; cellId: string }> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}/api/v1/notebooks${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const notebookId = String((await call("POST", "/"))["notebook_id"]);
  const first = ((await call("GET", `/${notebookId}`))["cells"] as Array<{ id: string }>)[0]!.id;
  const cellId = type === "python" ? first : String((await call("POST", `/${notebookId}/cells`, { type }))["cell_id"]);
  await call("PUT", `/${notebookId}/cells/${cellId}`, { code });
  return { notebookId, cellId };
}

/**
 * A §B client that authenticates over a raw TCP connection and then stops reading: nothing
 * (unlike a paused `ws` client, which `ws` itself resumes) reads from the socket until
 * `readRest` does. `readRest` resolves, once the host has ended the connection, with the
 * bytes that reached the client.
 */
export async function stalledNotebookClient(baseUrl: string, notebookId: string): Promise<{ readRest(): Promise<number> }> {
  const { hostname, port } = new URL(baseUrl);
  const socket: Socket = connect(Number(port), hostname);
  const upgrade = [
    `GET /api/v1/ws/notebooks/${notebookId} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
  ];
  socket.write(`${upgrade.join("\r\n")}\r\n\r\n`);
  // One masked text frame (a zero mask: the payload goes as it is).
  const payload = Buffer.from(JSON.stringify({ type: "authenticate", token: "any-token" }));
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  // An abandoned connection may be reset while nothing reads it: its end is recorded from the start.
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  let received = 0;
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      seen += chunk.toString("latin1");
      if (!seen.includes('"authenticated"')) return;
      socket.off("data", onData);
      socket.pause();
      resolve();
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error("connection closed before authentication")));
  });
  return {
    async readRest() {
      socket.on("data", (chunk: Buffer) => (received += chunk.length));
      socket.resume();
      await ended;
      return received;
    },
  };
}

/** A new notebook whose Python cells are `codes`, in order, made over HTTP; its id and the cells' ids. */
export async function notebookOfCells(host: Host, codes: readonly string[]): Promise<{ id: string; cells: string[] }> {
  const id = String((await okJson(host, "POST", "/api/v1/notebooks/"))["notebook_id"]);
  const cells = [((await okJson(host, "GET", `/api/v1/notebooks/${id}`))["cells"] as Array<{ id: string }>)[0]!.id];
  for (let i = 1; i < codes.length; i++) cells.push(String((await okJson(host, "POST", `/api/v1/notebooks/${id}/cells`, { type: "python", after_cell_id: cells[i - 1] }))["cell_id"]));
  for (const [i, code] of codes.entries()) await okJson(host, "PUT", `/api/v1/notebooks/${id}/cells/${cells[i]}`, { code });
  return { id, cells };
}

/**
 * Hosts for a test file's tests, with file storage (in a fresh directory unless given one) and
 * the python3 a test chose; each is closed, and the directories removed, after its test.
 */
export function hostsPerTest(prefix: string): { start(pythonBin: string, dataDir?: string): Promise<Host>; directory(): string } {
  const hosts: Host[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const directory = () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  return {
    directory,
    async start(pythonBin, dataDir = directory()) {
      const host = await startTestHost({ DATA_DIR: dataDir, STORAGE: "file", CELL_TIMEOUT_S: 30, PYTHON_BIN: pythonBin });
      hosts.push(host);
      return host;
    },
  };
}
