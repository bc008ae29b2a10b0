import { expect } from "vitest";
import type { Host } from "../host/host.js";
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
  private constructor(private readonly recorder: WebSocketRecorder) {}

  static async connect(baseUrl: string, notebookId: string, token = "any-token"): Promise<NotebookSocketClient> {
    const recorder = await WebSocketRecorder.open(`${baseUrl.replace(/^http/, "ws")}/api/v1/ws/notebooks/${notebookId}`);
    const client = new NotebookSocketClient(recorder);
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
    return this.recorder.close();
  }
}
