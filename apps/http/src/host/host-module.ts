import type Router from "@koa/router";
import type { Config, Logger } from "@parallax/adapters";
import type { RouteRegistrar } from "./route.js";
import type { WebSocketRoutes } from "./websocket-routes.js";

export interface HostContext {
  config: Config;
  logger: Logger;
  routes: RouteRegistrar;
  /** For the rare route that needs raw Koa (file downloads); prefer `routes`. */
  router: Router;
  websockets: WebSocketRoutes;
  /** Fields capabilities add to `GET /health` (§D's readiness flags beside §A's). */
  health: HealthFields;
}

/** Each capability adds a function answering its fields at the time of the request. */
export interface HealthFields {
  add(fields: () => Record<string, unknown>): void;
  report(): Record<string, unknown>;
}

export function createHealthFields(): HealthFields {
  const sources: Array<() => Record<string, unknown>> = [];
  return {
    add: (fields) => void sources.push(fields),
    report: () => Object.assign({}, ...sources.map((fields) => fields())) as Record<string, unknown>,
  };
}

/** Background work one host owns (an embedded job worker, open kernels). */
export interface HostLifecycle {
  /** Called after the server listens. */
  start?(): Promise<void>;
  /** Called on shutdown after the server stopped accepting; finish or release work. */
  stop?(): Promise<void>;
}

/**
 * One per capability: declares its routes and sockets on a host. A process may run several
 * hosts (tests do), each with its own modules built from its own container; state a
 * registration makes lives in what `register` returns.
 */
export interface HostModule {
  readonly name: string;
  register(host: HostContext): HostLifecycle | void;
}
