import { WebSocket } from "ws";

/**
 * Sending to a WebSocket client without letting it cost the host more than `limit` bytes.
 *
 * `ws` queues whatever the client does not read, in this process, without end. So the check
 * comes before each send: a message that would take the client's queue past its limit
 * terminates the client instead (a close handshake would only queue behind the backlog; the
 * clients reconnect on an abnormal close). A client that has nothing queued always gets the
 * message, so one message larger than the limit reaches a client that keeps up; a client
 * that never reads costs at most its limit or that one message.
 */
export function sendBounded(socket: WebSocket, message: unknown, limit: number): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  const data = typeof message === "string" ? message : JSON.stringify(message);
  const queued = socket.bufferedAmount;
  // A UTF-16 unit is at most 3 UTF-8 bytes: most messages need no measuring.
  if (queued > 0 && queued + data.length * 3 > limit && queued + Buffer.byteLength(data) > limit) {
    socket.terminate();
    return false;
  }
  socket.send(data);
  return true;
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
