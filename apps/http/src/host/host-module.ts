import type Router from "@koa/router";
import type { Container } from "inversify";
import type { Config, Logger } from "@parallax/adapters";
import type { RouteRegistrar } from "./route.js";
import type { WebSocketRoutes } from "./websocket-routes.js";

export interface HostContext {
  container: Container;
  config: Config;
  logger: Logger;
  routes: RouteRegistrar;
  /** For the rare route that needs raw Koa (file downloads); prefer `routes`. */
  router: Router;
  websockets: WebSocketRoutes;
}

/** One per capability: declares its routes and sockets, and owns any background work. */
export interface HostModule {
  readonly name: string;
  register(host: HostContext): void;
  /** Background work started after the server listens (e.g. the embedded job worker). */
  start?(): Promise<void>;
  /** Called on shutdown after the server stopped accepting; finish or release work. */
  stop?(): Promise<void>;
}
