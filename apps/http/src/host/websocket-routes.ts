import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { Authenticator, Principal } from "@parallax/application";
import { verify } from "./auth/authentication.middleware.js";
import { upgradeCredential } from "./auth/credentials.js";
import type { OriginPolicy } from "./cors.middleware.js";
import { errorBody, errorShapeForPath, toHttpFailure } from "./errors.js";
import { TokenBucket, type BucketRate } from "./token-bucket.js";

/** `principal`: who opened the socket, for sockets authenticated at the upgrade; `undefined` for those that authenticate in their protocol. */
export type WebSocketHandler = (socket: WebSocket, request: IncomingMessage, params: Record<string, string>, principal: Principal | undefined) => void;

/**
 * `upgrade`: a Bearer header, `X-API-Key`, the `__session` cookie or a `token` query parameter at
 * the upgrade, else the socket is closed with 1008 before its handler sees it (or, when the
 * credential could not be judged, the upgrade is answered 503). `first-message`: the socket's own protocol
 * authenticates (§B's `authenticate` message within WS_AUTH_TIMEOUT_MS) and owns the refusals.
 */
export type SocketAuthentication = "upgrade" | "first-message";

interface Entry {
  path: string;
  segments: string[];
  handler: WebSocketHandler;
  authentication: SocketAuthentication;
}

const POLICY_VIOLATION = 1008;

export interface WebSocketRoutesOptions {
  /** Largest message a client may send, fragments included (ws closes the socket with 1009 past it). */
  maxMessageBytes: number;
  origins: OriginPolicy;
  authenticator: Authenticator;
  /** Messages one client may send (WS_MESSAGES_PER_S, WS_MESSAGE_BURST); past it the socket is closed with 1008. */
  messageRate: BucketRate;
  /** Told about anything unexpected that went wrong in an upgrade (the socket is closed either way). */
  onError?: (error: unknown) => void;
}

/**
 * Routes WebSocket upgrades by path on the one HTTP server (`/api/v1/ws/notebooks/:id`).
 * Trailing slashes are ignored, as they are for HTTP routes.
 *
 * The upgrade event runs outside Koa, so nothing here may throw: an exception would be
 * uncaught and end the process. Every refusal is an HTTP answer written on the raw socket
 * (404 unknown path, 400 malformed path or handshake, 403 foreign origin, 503 with `Retry-After`
 * and the path's JSON error when the credential could not be judged), then the socket is
 * closed; a socket without an accepted credential is closed with 1008 right after the handshake.
 */
export class WebSocketRoutes {
  private readonly entries: Entry[] = [];
  /** ws, imported on the first upgrade rather than at start (issue 11: a host that serves no socket never loads it). */
  private server: Promise<WebSocketServer> | undefined;
  private clients: ReadonlySet<WebSocket> = new Set();

  constructor(private readonly options: WebSocketRoutesOptions) {}

  private socketServer(): Promise<WebSocketServer> {
    return (this.server ??= import("ws").then(({ WebSocketServer }) => {
      const server = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes });
      this.clients = server.clients;
      return server;
    }));
  }

  add(path: string, handler: WebSocketHandler, authentication: SocketAuthentication = "upgrade"): void {
    this.entries.push({ path, segments: split(path), handler, authentication });
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
      const principal = entry.authentication === "first-message" ? Promise.resolve(undefined) : verify(this.options.authenticator, upgradeCredential(request.headers, request.url ?? "/"));
      const upgrade = (server: WebSocketServer) =>
        principal.then(
          (principal) => this.upgrade(server, request, socket, head, entry, params, principal),
          (error: unknown) => this.refuseAuthentication(server, request, socket, head, entry.path, error),
        );
      this.socketServer().then(upgrade, (error: unknown) => {
        this.options.onError?.(error);
        refuse(socket, 500);
      });
    } catch (error) {
      this.options.onError?.(error);
      refuse(socket, 400);
    }
  }

  private upgrade(server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer, entry: Entry, params: Record<string, string>, principal: Principal | undefined): void {
    try {
      // ws itself answers 400 to a handshake that is not a valid WebSocket one (`Upgrade: h2c`, a bad key).
      server.handleUpgrade(request, socket, head, (ws) => {
        try {
          this.limitMessageRate(ws);
          entry.handler(ws, request, params, principal);
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

  /**
   * A socket without an accepted credential is opened only to be closed with 1008 and a reason:
   * a browser never sees an upgrade's HTTP status, but it does see a close code, and 1008 is the
   * one on which the contracts' clients stop reconnecting. A credential that could not be judged
   * is no such refusal: the upgrade is answered 503 (the client sees an abnormal close, 1006, and
   * reconnects with the same token later).
   */
  private refuseAuthentication(server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer, path: string, error: unknown): void {
    const failure = toHttpFailure(error);
    if (failure && failure.status >= 500) {
      // The declared path: its shape is the concrete one's (parameters only in later segments).
      const body = JSON.stringify(errorBody(errorShapeForPath(path), failure.message));
      return refuse(socket, failure.status, { "Content-Type": "application/json", ...(failure.retryAfterS !== undefined ? { "Retry-After": String(failure.retryAfterS) } : {}) }, body);
    }
    try {
      server.handleUpgrade(request, socket, head, (ws) => {
        ws.on("error", () => ws.terminate());
        ws.close(POLICY_VIOLATION, "Authentication failed");
      });
    } catch (error) {
      this.options.onError?.(error);
      refuse(socket, 400);
    }
  }

  /** Heard before the handler's own listener: a client sending faster than its bucket refills is closed. */
  private limitMessageRate(ws: WebSocket): void {
    if (this.options.messageRate.perSecond <= 0) return;
    const bucket = new TokenBucket(this.options.messageRate);
    ws.on("message", () => {
      if (bucket.take() > 0 && ws.readyState === ws.OPEN) ws.close(POLICY_VIOLATION, "Too many messages");
    });
  }

  /** Closes every client with 1001 (going away), as a host that is shutting down should. */
  closeAll(): void {
    for (const client of this.clients) client.close(1001, "server shutting down");
  }

  terminateAll(): void {
    for (const client of this.clients) client.terminate();
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

/** A minimal HTTP answer on a socket that never reached Koa (the status's reason as text, unless a body is given), then the socket is closed. */
function refuse(socket: Duplex, status: number, headers: Record<string, string> = {}, body?: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const reason = STATUS_CODES[status] ?? "Error";
  const content = body ?? reason;
  const lines = Object.entries({ "Content-Type": "text/plain", ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${lines.join("")}Content-Length: ${Buffer.byteLength(content)}\r\n\r\n${content}`);
}
