import type { WebSocket } from "ws";

/**
 * Sending to a WebSocket client without letting it cost the host more than its limit.
 *
 * `ws` queues whatever the client does not read, in this process, without end. So the check
 * comes before each send: a message that would take the client's queue past its limit is not
 * queued. A client that has nothing queued always has room, so one message larger than the
 * limit still reaches a client that keeps up; a client that never reads costs at most its
 * limit or that one message. A client over its limit is terminated, not closed: a close
 * handshake would only queue behind the backlog, and the clients reconnect on an abnormal close.
 */
export type SendOutcome = "sent" | "over" | "closed";

/** Sends `data` if the client's queue stays within `limit`; "over" leaves the client as it was. */
export function trySend(socket: WebSocket, data: string, limit: number): SendOutcome {
  if (socket.readyState !== socket.OPEN) return "closed";
  const queued = socket.bufferedAmount;
  // A UTF-16 unit is at most 3 UTF-8 bytes: most messages need no measuring.
  if (queued > 0 && queued + data.length * 3 > limit && queued + Buffer.byteLength(data) > limit) return "over";
  socket.send(data);
  return "sent";
}

/** For streams that give no slack (job logs): a client over its limit is terminated at once. */
export function sendBounded(socket: WebSocket, message: unknown, limit: number): boolean {
  const outcome = trySend(socket, typeof message === "string" ? message : JSON.stringify(message), limit);
  if (outcome === "over") socket.terminate();
  return outcome === "sent";
}

/**
 * For bursts (a cell's 10 MiB output followed by its status): the host only drains a queue
 * between bursts, so a client over its limit gets `graceMs` to read before it is terminated.
 * What it has not been sent yet waits upstream meanwhile, not in its socket.
 */
export async function sendAfterDrain(socket: WebSocket, data: string, limit: number, graceMs: number): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const outcome = trySend(socket, data, limit);
    if (outcome !== "over") return outcome === "sent";
    if (Date.now() >= deadline) {
      socket.terminate();
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Sends many messages as one write: the underlying TCP socket is corked for the batch, so
 * a page of log lines costs one syscall instead of one per line.
 */
export function sendBatchBounded(socket: WebSocket, messages: readonly unknown[], limit: number): void {
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  raw?.cork();
  try {
    for (const message of messages) if (!sendBounded(socket, message, limit)) return;
  } finally {
    raw?.uncork();
  }
}
