import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Router from "@koa/router";
import Koa from "koa";
import type { Container } from "inversify";
import { AppConfig, Log, type Config, type Logger } from "@parallax/adapters";
import { errorBody, errorShapeForPath, toHttpFailure } from "./errors.js";
import type { HostLifecycle, HostModule } from "./host-module.js";
import { createMetrics } from "./metrics.js";
import { OpenAPIRegistry, openApiDocument } from "./openapi.js";
import { createRouteRegistrar } from "./route.js";
import { WebSocketRoutes } from "./websocket-routes.js";

export interface Host {
  readonly server: Server;
  /** Resolves with the bound port (pass 0 for a free one). */
  listen(port?: number, hostname?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes sockets. */
  close(): Promise<void>;
  url(): string;
}

export interface HostOptions {
  container: Container;
  modules: HostModule[];
}

export function createHost({ container, modules }: HostOptions): Host {
  const config = container.get<Config>(AppConfig);
  const logger = container.get<Logger>(Log);
  const app = new Koa({ proxy: true });
  const router = new Router({ strict: false });
  const registry = new OpenAPIRegistry();
  const websockets = new WebSocketRoutes();
  const metrics = createMetrics();
  const limitBytes = () => config.MAX_UPLOAD_MB * 1024 * 1024;
  const routes = createRouteRegistrar(router, registry, limitBytes);

  app.use(async (ctx, next) => {
    const requestId = ctx.get("x-request-id") || randomUUID();
    const log = logger.child({ reqId: requestId });
    ctx.state["log"] = log;
    ctx.set("x-request-id", requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      log.info({ method: ctx.method, url: ctx.url, status: ctx.status, ms: Math.round(performance.now() - started) }, "request");
    }
  });
  app.use(metrics.middleware);
  app.use(async (ctx, next) => {
    const shape = errorShapeForPath(ctx.path);
    try {
      await next();
    } catch (error) {
      const failure = toHttpFailure(error);
      if (failure) {
        ctx.status = failure.status;
        ctx.body = errorBody(shape, failure.message, failure.details);
        return;
      }
      (ctx.state["log"] as Logger).error({ err: error }, "unhandled error");
      ctx.status = 500;
      ctx.body = errorBody(shape, "Internal server error");
      return;
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = shape === "error" ? { error: "Endpoint not found" } : { detail: "Not Found" };
    } else if (ctx.status === 405 && ctx.body === undefined) {
      ctx.status = 405;
      ctx.body = errorBody(shape, "Method not allowed");
    }
  });

  router.get("/metrics", async (ctx) => {
    ctx.set("Content-Type", metrics.registry.contentType);
    ctx.body = await metrics.registry.metrics();
  });
  router.get("/openapi.json", (ctx) => {
    ctx.body = openApiDocument(registry);
  });
  const lifecycles: Array<{ name: string; lifecycle: HostLifecycle }> = [];
  for (const module of modules) {
    const lifecycle = module.register({ container, config, logger, routes, router, websockets });
    if (lifecycle) lifecycles.push({ name: module.name, lifecycle });
  }
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = createServer(app.callback());
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 0;
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
