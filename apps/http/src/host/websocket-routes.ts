import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { OriginPolicy } from "./cors.middleware.js";

export type WebSocketHandler = (socket: WebSocket, request: IncomingMessage, params: Record<string, string>) => void;

interface Entry {
  path: string;
  segments: string[];
  handler: WebSocketHandler;
}

export interface WebSocketRoutesOptions {
  /** Largest message a client may send, fragments included (ws closes the socket with 1009 past it). */
  maxMessageBytes: number;
  origins: OriginPolicy;
  /** Told about anything unexpected that went wrong in an upgrade (the socket is closed either way). */
  onError?: (error: unknown) => void;
}

/**
 * Routes WebSocket upgrades by path on the one HTTP server (`/api/v1/ws/notebooks/:id`).
 * Trailing slashes are ignored, as they are for HTTP routes.
 *
 * The upgrade event runs outside Koa, so nothing here may throw: an exception would be
 * uncaught and end the process. Every refusal is an HTTP answer written on the raw socket
 * (404 unknown path, 400 malformed path or handshake, 403 foreign origin), then the socket
 * is closed.
 */
export class WebSocketRoutes {
  private readonly entries: Entry[] = [];
  readonly server: WebSocketServer;

  constructor(private readonly options: WebSocketRoutesOptions) {
    this.server = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  }

  add(path: string, handler: WebSocketHandler): void {
    this.entries.push({ path, segments: split(path), handler });
  }

  /** The declared socket paths (`/api/logs`, `/api/v1/ws/notebooks/:id`), in declaration order. */
  paths(): string[] {
    return this.entries.map((entry) => entry.path);
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Heard before anything else: a peer reset during the handshake must not be an uncaught 'error'.
    socket.on("error", () => socket.destroy());
    try {
      const found = this.route(request.url ?? "/");
      if (found === "malformed") return refuse(socket, 400);
      if (!found) return refuse(socket, 404);
      if (!this.options.origins.allowsSocket(request.headers.origin, request.headers.host)) return refuse(socket, 403);
      const { entry, params } = found;
      // ws itself answers 400 to a handshake that is not a valid WebSocket one (`Upgrade: h2c`, a bad key).
      this.server.handleUpgrade(request, socket, head, (ws) => {
        try {
          entry.handler(ws, request, params);
        } catch (error) {
          this.options.onError?.(error);
          ws.terminate();
        }
      });
    } catch (error) {
      this.options.onError?.(error);
      refuse(socket, 400);
    }
  }

  /** Closes every client with 1001 (going away), as a host that is shutting down should. */
  closeAll(): void {
    for (const client of this.server.clients) client.close(1001, "server shutting down");
  }

  terminateAll(): void {
    for (const client of this.server.clients) client.terminate();
  }

  private route(url: string): { entry: Entry; params: Record<string, string> } | "malformed" | undefined {
    let parts: string[];
    try {
      parts = split(new URL(url, "http://localhost").pathname);
    } catch {
      return "malformed";
    }
    for (const entry of this.entries) {
      const params = match(entry.segments, parts);
      if (params) return params === "malformed" ? "malformed" : { entry, params };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function match(pattern: string[], parts: string[]): Record<string, string> | "malformed" | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(":")) {
      // A malformed percent-escape (`%zz`, a cut UTF-8 sequence) names nothing: a 400, never a throw.
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return "malformed";
      }
    } else if (expected !== actual) return undefined;
  }
  return params;
}

/** A minimal HTTP answer on a socket that never reached Koa, then the socket is closed. */
function refuse(socket: Duplex, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const reason = STATUS_CODES[status] ?? "Error";
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}
