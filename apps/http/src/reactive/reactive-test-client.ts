import { WebSocketRecorder, type Message } from "../host/websocket-recorder.testkit.js";

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
