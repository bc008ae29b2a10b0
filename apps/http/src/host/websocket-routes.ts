import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";

export type WebSocketHandler = (socket: WebSocket, request: IncomingMessage, params: Record<string, string>) => void;

interface Entry {
  segments: string[];
  handler: WebSocketHandler;
}

/**
 * Routes WebSocket upgrades by path on the one HTTP server (`/api/v1/ws/notebooks/:id`).
 * Trailing slashes are ignored, as they are for HTTP routes.
 */
export class WebSocketRoutes {
  private readonly entries: Entry[] = [];
  readonly server = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  add(path: string, handler: WebSocketHandler): void {
    this.entries.push({ segments: split(path), handler });
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://localhost");
    const parts = split(url.pathname);
    for (const entry of this.entries) {
      const params = match(entry.segments, parts);
      if (!params) continue;
      this.server.handleUpgrade(request, socket, head, (ws) => entry.handler(ws, request, params));
      return;
    }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  }

  /** Closes every client with 1001 (going away), as a host that is shutting down should. */
  closeAll(): void {
    for (const client of this.server.clients) client.close(1001, "server shutting down");
  }

  terminateAll(): void {
    for (const client of this.server.clients) client.terminate();
  }
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(":")) params[expected.slice(1)] = decodeURIComponent(actual);
    else if (expected !== actual) return undefined;
  }
  return params;
}
