import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Config, Logger } from "@parallax/adapters";
import { limitConnections, serverTimeouts, type ConnectionLimits } from "./connection-limits.js";
import type { HostLifecycle } from "./host-module.js";
import type { WebSocketRoutes } from "./websocket-routes.js";

/** The HTTP server of a host: bounded connections, WebSocket upgrades, and its modules' lifecycles. */
export interface HostServer {
  readonly server: Server;
  /** Resolves with the bound port (pass 0 for a free one), once every module has started. */
  listen(port?: number, hostname?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), stops modules, closes sockets. */
  close(): Promise<void>;
  url(): string;
}

export interface HostServerOptions {
  config: Config;
  logger: Logger;
  websockets: WebSocketRoutes;
  lifecycles: ReadonlyArray<{ name: string; lifecycle: HostLifecycle }>;
}

/** AUTH=none is for local development: listening where others can reach it is said loudly, at every start. */
export function warnIfOpenWithoutAuth(auth: Config["AUTH"], hostname: string, port: number, logger: Pick<Logger, "warn">): void {
  if (auth !== "none" || isLoopback(hostname)) return;
  logger.warn(
    { hostname, port },
    "AUTH=none on a non-loopback address: ANYONE WHO CAN REACH THIS PORT IS THE USER 'local' with access to every notebook, job and task. Set AUTH=jwt or AUTH=apikey, or HOST=127.0.0.1",
  );
}

/** Whether only this machine can reach `hostname` (`localhost`, 127.0.0.0/8, ::1). */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "::ffff:127.0.0.1";
}

function connectionLimits(config: Config): ConnectionLimits {
  return {
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    bodyIdleMs: config.BODY_IDLE_TIMEOUT_MS,
    maxPerAddress: config.MAX_CONNECTIONS_PER_IP,
  };
}

export function serveHost(handle: RequestListener, { config, logger, websockets, lifecycles }: HostServerOptions): HostServer {
  const limits = connectionLimits(config);
  const server = createServer(serverTimeouts(limits), handle);
  server.keepAliveTimeout = 5_000;
  limitConnections(server, limits);
  // Every socket, upgraded ones too (closeAllConnections no longer sees those), for the end of the grace period.
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (request, socket, head) => websockets.handleUpgrade(request, socket, head));

  let closing: Promise<void> | undefined;
  return {
    server,
    async listen(port = config.PORT, hostname = config.HOST) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, hostname, () => {
          server.off("error", reject);
          resolve();
        });
      });
      for (const { lifecycle } of lifecycles) await lifecycle.start?.();
      const bound = (server.address() as AddressInfo).port;
      logger.info({ port: bound, hostname }, "listening");
      warnIfOpenWithoutAuth(config.AUTH, hostname, bound, logger);
      return bound;
    },
    url() {
      const address = server.address() as AddressInfo;
      const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${address.port}`;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        websockets.closeAll();
        const grace = setTimeout(() => {
          websockets.terminateAll();
          server.closeAllConnections();
          for (const socket of sockets) socket.destroy();
        }, config.SHUTDOWN_GRACE_MS);
        grace.unref();
        for (const { name, lifecycle } of [...lifecycles].reverse()) {
          try {
            await lifecycle.stop?.();
          } catch (error) {
            logger.error({ err: error, module: name }, "module failed to stop");
          }
        }
        if (server.listening) await stopped;
        clearTimeout(grace);
        websockets.terminateAll();
      })();
      return closing;
    },
  };
}
