import Router from "@koa/router";
import Koa from "koa";
import type { Config, Logger } from "@parallax/adapters";
import type { Authenticator } from "@parallax/application";
import { authentication, PublicPaths } from "./auth/authentication.middleware.js";
import { bodyLimits } from "./body.js";
import { OriginPolicy, corsMiddleware } from "./cors.middleware.js";
import { errorMapping, logUnroutedErrors } from "./error-mapping.middleware.js";
import { createHealthFields, type HostLifecycle, type HostModule } from "./host-module.js";
import { serveHost, type HostServer } from "./host-server.js";
import { registerIntrospectionRoutes } from "./introspection.routes.js";
import { registerReadinessRoute } from "./readiness.route.js";
import type { StoreReadiness } from "@parallax/application";
import { createMetrics } from "./metrics.js";
import { OpenAPIRegistry } from "./openapi.js";
import { requestLog } from "./request-log.middleware.js";
import { rateLimit } from "./rate-limit.middleware.js";
import { createRouteRegistrar } from "./route.js";
import { securityHeaders } from "./security-headers.middleware.js";
import { WebSocketRoutes } from "./websocket-routes.js";

export interface Host extends HostServer {
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
  /** Verifies every request's and socket's credential (AUTH); the composition root binds it. */
  authenticator: Authenticator;
  modules: HostModule[];
  /** Whether the configured stores answer: `GET /ready` is 503 until they do (always ready without one). */
  readiness?: StoreReadiness;
}

/**
 * Composes a host: the middlewares in the order a request meets them, the host's own routes, each
 * module's routes and sockets, and the server. Each piece lives in its own file.
 */
export function createHost({ config, logger, authenticator, modules, readiness }: HostOptions): Host {
  const app = new Koa({ proxy: config.TRUST_PROXY });
  const router = new Router({ strict: false });
  const registry = new OpenAPIRegistry();
  const origins = new OriginPolicy(config.ALLOWED_ORIGINS);
  const websockets = new WebSocketRoutes({
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    origins,
    authenticator,
    messageRate: { perSecond: config.WS_MESSAGES_PER_S, burst: config.WS_MESSAGE_BURST },
    onError: (error) => logger.error({ err: error }, "websocket upgrade failed"),
  });
  const metrics = createMetrics();
  const publicPaths = new PublicPaths(config.AUTH_PUBLIC_PATHS);

  logUnroutedErrors(app, logger);
  app.use(requestLog(logger));
  app.use(metrics.middleware);
  app.use(securityHeaders());
  app.use(corsMiddleware(origins));
  app.use(errorMapping());
  app.use(authentication(authenticator, publicPaths, config.ADMIN_ROLE));
  app.use(rateLimit(config, publicPaths));

  registerIntrospectionRoutes(router, metrics, registry);
  registerReadinessRoute(router, readiness, logger);
  const routes = createRouteRegistrar(router, registry, bodyLimits(config));
  const health = createHealthFields();
  const lifecycles: Array<{ name: string; lifecycle: HostLifecycle }> = [];
  for (const module of modules) {
    const lifecycle = module.register({ config, logger, routes, router, websockets, health });
    if (lifecycle) lifecycles.push({ name: module.name, lifecycle });
  }
  app.use(router.routes());
  app.use(router.allowedMethods());

  const served = serveHost(app.callback(), { config, logger, websockets, lifecycles });
  return {
    ...served,
    async listen(port, hostname) {
      const bound = await served.listen(port, hostname);
      // After what a request waits for: the default metrics' collectors are not needed to answer one.
      setImmediate(metrics.collectDefaults);
      return bound;
    },
    routes() {
      const http = router.stack.flatMap((layer) => layer.methods.filter((method) => method !== "HEAD").map((method) => ({ method, path: String(layer.path) })));
      return { http, websocket: websockets.paths() };
    },
  };
}
