import { WebSocket } from "ws";

/**
 * Test support for the §B React editor suite: its REST calls and its notebook socket as its
 * TypeScript code makes them. REST: JSON bodies with `Content-Type: application/json`, except
 * the notebook create, which sends no body and no Content-Type; redirects are not followed (the
 * editor would lose its method and body on one). Socket: `authenticate` first, then every
 * message parsed with JSON.parse (one that does not parse is lost, as in the browser); a message
 * other than `authenticated`/`error` without a string `cellId` is discarded; the view of the
 * cells changes only through the broadcasts, applied as the editor applies them.
 */
export type Message = Record<string, unknown>;

export interface EditorOutput {
  mime_type: string;
  data: unknown;
}

/** What the editor shows of one cell. */
export interface EditorCell {
  id: string;
  type: string;
  code: string;
  status: string;
  reads: unknown;
  writes: unknown;
  error: unknown;
  outputs: EditorOutput[];
}

export interface EditorResponse {
  status: number;
  contentType: string | null;
  location: string | null;
  json: Message;
}

/** One editor REST call against `base`; `body` undefined sends none, and no Content-Type. */
export async function editorFetch(base: string, method: string, path: string, body?: unknown): Promise<EditorResponse> {
  const response = await fetch(`${base}${path}`, {
    method,
    redirect: "manual",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    location: response.headers.get("location"),
    json: text ? (JSON.parse(text) as Message) : {},
  };
}

export class EditorSocket {
  /** Every message that parsed, in order, kept or not (for order assertions). */
  readonly received: Message[] = [];
  /** Messages the editor throws away: no string `cellId` and not `authenticated`/`error`. */
  readonly discarded: Message[] = [];
  /** Frames JSON.parse refused: the browser drops the whole message (a NaN in a table does it). */
  readonly unparseable: string[] = [];
  readonly cells: EditorCell[] = [];
  readonly closed: Promise<{ code: number }>;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly socket: WebSocket,
    private readonly base: string,
    private readonly notebookId: string,
  ) {
    socket.on("message", (raw) => {
      const text = String(raw);
      try {
        this.receive(JSON.parse(text) as Message);
      } catch {
        this.unparseable.push(text);
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => socket.on("close", (code) => (resolve({ code }), this.wake())));
  }

  /** Opens `/api/v1/ws/notebooks/{id}` and sends `authenticate` with `token`, as the editor does on open. */
  static async open(base: string, notebookId: string, token = "editor-token"): Promise<EditorSocket> {
    const socket = new WebSocket(`${base.replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    const editor = new EditorSocket(socket, base, notebookId);
    await new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));
    socket.send(JSON.stringify({ type: "authenticate", token }));
    return editor;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  cell(id: string): EditorCell | undefined {
    return this.cells.find((cell) => cell.id === id);
  }

  /** Kept messages about `cellId` from index `from` of `received`. */
  about(cellId: string, from = 0): Message[] {
    return this.received.slice(from).filter((message) => message["cellId"] === cellId);
  }

  /** The first message at index `from` of `received` or later that matches; rejects when the socket closes first. */
  waitFor(match: (message: Message) => boolean, from = 0, timeoutMs = 30_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.slice(from).find(match);
        if (found) return done(), resolve(found);
        if (this.socket.readyState === WebSocket.CLOSED) done(), reject(new Error(`socket closed; last: ${JSON.stringify(this.received.slice(-3))}`));
      };
      const timer = setTimeout(() => (done(), reject(new Error(`no matching message; last: ${JSON.stringify(this.received.slice(-3))}`))), timeoutMs);
      const done = () => (clearTimeout(timer), this.waiters.delete(check));
      this.waiters.add(check);
      check();
    });
  }

  /**
   * The editor's blur: the cell's code PUT again (no `expected_revision`), answered by a
   * `cell_updated` broadcast. Broadcasts are ordered, so once it is here every event published
   * before it is too: the suite's way to know a run's last messages arrived, without a clock.
   */
  async blur(cellId: string): Promise<Message> {
    const from = this.received.length;
    const code = this.cell(cellId)?.code ?? "";
    const put = await editorFetch(this.base, "PUT", `/api/v1/notebooks/${this.notebookId}/cells/${cellId}`, { code });
    if (put.status !== 200) throw new Error(`blur of ${cellId}: ${put.status} ${JSON.stringify(put.json)}`);
    return this.waitFor((m) => m["type"] === "cell_updated" && m["cellId"] === cellId, from);
  }

  /** Sends `run_cell` and waits until `last` (the cell itself by default) ended and the run's messages all arrived; the index the run's messages start at. */
  async run(cellId: string, last = cellId): Promise<number> {
    const from = this.received.length;
    this.send({ type: "run_cell", cellId });
    await this.waitFor((m) => m["type"] === "cell_status" && m["cellId"] === last && m["status"] !== "running", from);
    await this.blur(last);
    return from;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => (this.socket.once("close", () => resolve()), this.socket.close(1000)));
  }

  private receive(message: Message): void {
    this.received.push(message);
    const type = message["type"];
    if (type === "authenticated" || type === "error") return;
    const cellId = message["cellId"];
    if (typeof cellId !== "string") return void this.discarded.push(message);
    const cell = this.cell(cellId);
    switch (type) {
      case "cell_created": {
        const created = message["cell"] as Omit<EditorCell, "outputs" | "error">;
        const index = message["index"] as number;
        this.cells.splice(index, 0, { ...created, error: null, outputs: [] });
        return;
      }
      case "cell_updated": {
        const { code, reads, writes, status, error } = message["cell"] as EditorCell;
        if (cell) Object.assign(cell, { code, reads, writes, status, error });
        return;
      }
      case "cell_deleted":
        this.cells.splice(this.cells.findIndex((one) => one.id === cellId), 1);
        return;
      case "cell_status":
        if (!cell) return;
        cell.status = String(message["status"]);
        if (cell.status === "running") (cell.outputs = []), (cell.error = null);
        return;
      case "cell_stdout": {
        if (!cell) return;
        const last = cell.outputs.at(-1);
        // The editor appends stdout to the text output it is writing, else starts one.
        if (last?.mime_type === "stdout") last.data = String(last.data) + String(message["data"]);
        else cell.outputs.push({ mime_type: "stdout", data: String(message["data"]) });
        return;
      }
      case "cell_error":
        if (!cell) return;
        cell.status = "error";
        cell.error = message["error"];
        cell.outputs.push({ mime_type: "error", data: message["error"] });
        return;
      case "cell_output":
        cell?.outputs.push(message["output"] as EditorOutput);
        return;
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
