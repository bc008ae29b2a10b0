import { WebSocket } from "ws";

/** A §B WebSocket client for end-to-end tests: records every message and waits for ones it expects. */
export class NotebookSocketClient {
  readonly messages: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (raw) => {
      this.messages.push(JSON.parse(String(raw)) as Record<string, unknown>);
      for (const wake of this.waiters) wake();
    });
    socket.on("close", () => {
      for (const wake of this.waiters) wake();
    });
  }

  static async connect(baseUrl: string, notebookId: string, token = "any-token"): Promise<NotebookSocketClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const client = new NotebookSocketClient(socket);
    client.send({ type: "authenticate", token });
    await client.waitFor((message) => message["type"] === "authenticated" || message["type"] === "error");
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Events (messages with a cellId) from `from` on. */
  events(from = 0): Array<Record<string, unknown>> {
    return this.messages.slice(from).filter((message) => "cellId" in message);
  }

  /** Resolves with the first message from index `from` on that matches; rejects after `timeoutMs`. */
  waitFor(match: (message: Record<string, unknown>) => boolean, from = 0, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          cleanup();
          reject(new Error(`socket closed while waiting; got ${JSON.stringify(this.messages.slice(from))}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting; got ${JSON.stringify(this.messages.slice(from))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Waits for a final status (not `running`) of `cellId` after index `from`. */
  finalStatus(cellId: string, from = 0, timeoutMs?: number): Promise<string> {
    return this.waitFor(
      (message) => message["type"] === "cell_status" && message["cellId"] === cellId && message["status"] !== "running",
      from,
      timeoutMs,
    ).then((message) => String(message["status"]));
  }

  stdout(cellId: string, from = 0): string {
    return this.events(from)
      .filter((event) => event["type"] === "cell_stdout" && event["cellId"] === cellId)
      .map((event) => String(event["data"]))
      .join("");
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }
}
