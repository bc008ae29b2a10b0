import { connect } from "node:net";

export interface RawExchange {
  /** The status of the first response line, or undefined when the host closed without answering. */
  status: number | undefined;
  /** The response head and the start of its body (at most 4 KiB), for failure messages. */
  head: string;
  /** The host kept the socket open past `timeoutMs` without closing it. */
  hung: boolean;
}

export interface RawOptions {
  /** Half-close after writing (the host sees the end of the request); default true. */
  end?: boolean;
  /** Reset the connection right after writing instead of waiting for an answer. */
  reset?: boolean;
  timeoutMs?: number;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

/** A whole response is in (head plus Content-Length bytes), or an upgrade's head: no need to wait for the close. */
function complete(received: Buffer, total: number): boolean {
  const end = received.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const head = received.subarray(0, end).toString("latin1");
  if (head.startsWith("HTTP/1.1 101")) return true;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  return length !== null && total >= end + 4 + Number(length[1]);
}

/**
 * Test support: writes bytes exactly as given (node's HTTP client would refuse or repair a
 * malformed request line) and reads one response (or until the host closes the socket). A 101
 * (an accepted WebSocket upgrade) is read up to its head, then the socket is dropped.
 */
export function rawExchange(port: number, request: Buffer | string, options: RawOptions = {}): Promise<RawExchange> {
  const { end = true, reset = false, timeoutMs = 20_000 } = options;
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let total = 0;
    let settled = false;
    const finish = (hung: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const head = received.subarray(0, 4096).toString("latin1");
      resolve({ status: Number(STATUS_LINE.exec(head)?.[1]) || undefined, head, hung });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (received.length < 65_536) received = Buffer.concat([received, chunk]);
      if (complete(received, total)) finish(false);
    });
    socket.on("connect", () => {
      socket.write(request, () => {
        if (reset) {
          socket.resetAndDestroy();
          finish(false);
        } else if (end) socket.end();
      });
    });
  });
}
