import type { IncomingMessage, Server, ServerOptions } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** The whole request, head and body (`REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs: number;
  /** The request head (`HEADERS_TIMEOUT_MS`); node requires it to be at most the request timeout. */
  headersTimeoutMs: number;
  /** Silence allowed while a declared body is still arriving (`BODY_IDLE_TIMEOUT_MS`). */
  bodyIdleMs: number;
  /** Open connections per remote address (`MAX_CONNECTIONS_PER_IP`). */
  maxPerAddress: number;
}

const TOO_MANY = "Too many connections from one client";
const SERVICE_UNAVAILABLE = `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${TOO_MANY.length}\r\n\r\n${TOO_MANY}`;

/** Options for `http.createServer`: node enforces the request and head timeouts itself. */
export function serverTimeouts(limits: ConnectionLimits): ServerOptions {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout,
    // Node checks both timeouts on this period; a quarter of the shorter keeps the overshoot small.
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
  };
}

/**
 * The bounds node does not have: a cap on connections per client address, and a body-idle
 * timeout. Without them a client that declares a body and never sends it holds a socket (and a
 * file descriptor) until the request timeout, and ~1,000 such sockets starve the host of
 * descriptors. Connections are counted by the socket's own address, never a forwarded one: a
 * header cannot buy a client more sockets.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  const perAddress = new Map<string, number>();
  /** The request a socket is serving, from its head to the end of its response. */
  const serving = new WeakMap<Socket, IncomingMessage>();

  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const open = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, open);
    socket.once("close", () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    if (open > limits.maxPerAddress) {
      socket.on("error", () => socket.destroy());
      socket.once("finish", () => socket.destroy());
      socket.end(SERVICE_UNAVAILABLE);
    }
  });

  server.on("request", (request: IncomingMessage, response) => {
    const socket = request.socket;
    serving.set(socket, request);
    response.once("close", () => {
      if (serving.get(socket) === request) serving.delete(socket);
    });
    if (declaresBody(request)) socket.setTimeout(limits.bodyIdleMs);
  });

  // A listener here replaces node's default of destroying every socket that times out: the
  // socket timer is also node's keep-alive timer, so idle keep-alive sockets are ended here too.
  server.on("timeout", (socket: Socket) => {
    const request = serving.get(socket);
    // The body is all in and a handler is at work (a long re-execution): not a stalled client.
    if (request?.complete) return;
    socket.destroy();
  });
}

function declaresBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
