import { WebSocket } from "ws";

export type Message = Record<string, unknown>;

/**
 * Test support: a real WebSocket client that records every JSON message and waits for the ones
 * a test expects (failing fast when the socket closes instead of waiting for the timeout).
 */
export class WebSocketRecorder {
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (raw) => {
      this.messages.push(JSON.parse(String(raw)) as Message);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code) => {
        resolve({ code });
        this.wake();
      }),
    );
  }

  static async open(url: string): Promise<WebSocketRecorder> {
    const socket = new WebSocket(url);
    // Record from the start: a server may speak first, in the same packet as the handshake.
    const recorder = new WebSocketRecorder(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return recorder;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The first message at index `from` or later that matches; rejects on close or after `timeoutMs`. */
  waitFor(match: (message: Message) => boolean, { from = 0, timeoutMs = 20_000 }: { from?: number; timeoutMs?: number } = {}): Promise<Message> {
    return new Promise((resolve, reject) => {
      const recent = () => JSON.stringify(this.messages.slice(Math.max(from, this.messages.length - 5))).slice(0, 1_000);
      // Each check looks only at messages it has not seen: a 60,000-line log stays linear.
      let next = from;
      const check = () => {
        let found: Message | undefined;
        for (; next < this.messages.length && !found; next++) if (match(this.messages[next]!)) found = this.messages[next];
        if (found) {
          done();
          resolve(found);
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed without a matching message; last: ${recent()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message in ${timeoutMs} ms; last: ${recent()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
