import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Router from "@koa/router";
import Koa from "koa";
import type { Container } from "inversify";
import type { Config, Logger } from "@parallax/adapters";
import { bodyLimits } from "./body.js";
import { limitConnections, serverTimeouts, type ConnectionLimits } from "./connection-limits.js";
import { OriginPolicy, corsMiddleware } from "./cors.middleware.js";
import { errorMapping, logUnroutedErrors } from "./error-mapping.middleware.js";
import { createHealthFields, type HostLifecycle, type HostModule } from "./host-module.js";
import { createMetrics } from "./metrics.js";
import { OpenAPIRegistry, openApiDocument } from "./openapi.js";
import { requestLog } from "./request-log.middleware.js";
import { createRouteRegistrar } from "./route.js";
import { WebSocketRoutes } from "./websocket-routes.js";

export interface Host {
  readonly server: Server;
  /** Resolves with the bound port (pass 0 for a free one). */
  listen(port?: number, hostname?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes sockets. */
  close(): Promise<void>;
  url(): string;
  /** Every route the host declares, so tests (the fuzz suite) cover new routes without a list to keep. */
  routes(): DeclaredRoutes;
}

export interface DeclaredRoutes {
  http: Array<{ method: string; path: string }>;
  websocket: string[];
}

export interface HostOptions {
  config: Config;
  logger: Logger;
  /** Handed to modules that still resolve their own use cases (`HostContext.container`). */
  container: Container;
  modules: HostModule[];
}

function connectionLimits(config: Config): ConnectionLimits {
  return {
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    bodyIdleMs: config.BODY_IDLE_TIMEOUT_MS,
    maxPerAddress: config.MAX_CONNECTIONS_PER_IP,
  };
}

export function createHost({ config, logger, container, modules }: HostOptions): Host {
  const app = new Koa({ proxy: config.TRUST_PROXY });
  const router = new Router({ strict: false });
  const registry = new OpenAPIRegistry();
  const origins = new OriginPolicy(config.ALLOWED_ORIGINS);
  const websockets = new WebSocketRoutes({
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    origins,
    onError: (error) => logger.error({ err: error }, "websocket upgrade failed"),
  });
  const metrics = createMetrics();
  const routes = createRouteRegistrar(router, registry, bodyLimits(config));

  logUnroutedErrors(app, logger);
  app.use(requestLog(logger));
  app.use(metrics.middleware);
  app.use(corsMiddleware(origins));
  app.use(errorMapping());

  router.get("/metrics", async (ctx) => {
    ctx.set("Content-Type", metrics.registry.contentType);
    ctx.body = await metrics.registry.metrics();
  });
  router.get("/openapi.json", (ctx) => {
    ctx.body = openApiDocument(registry);
  });
  const lifecycles: Array<{ name: string; lifecycle: HostLifecycle }> = [];
  const health = createHealthFields();
  for (const module of modules) {
    const lifecycle = module.register({ container, config, logger, routes, router, websockets, health });
    if (lifecycle) lifecycles.push({ name: module.name, lifecycle });
  }
  app.use(router.routes());
  app.use(router.allowedMethods());

  const limits = connectionLimits(config);
  const server = createServer(serverTimeouts(limits), app.callback());
  server.keepAliveTimeout = 5_000;
  limitConnections(server, limits);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (request, socket, head) => websockets.handleUpgrade(request, socket, head));

  let closing: Promise<void> | undefined;
  const host: Host = {
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
      return bound;
    },
    url() {
      const address = server.address() as AddressInfo;
      const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${address.port}`;
    },
    routes() {
      const http = router.stack.flatMap((layer) => layer.methods.filter((method) => method !== "HEAD").map((method) => ({ method, path: String(layer.path) })));
      return { http, websocket: websockets.paths() };
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
  return host;
}
