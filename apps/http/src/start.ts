import type { Container } from "inversify";
import { Authenticator, StoreReadiness } from "@parallax/application";
import { createContainer, createLogger, loadConfig, type Config, type Logger } from "@parallax/adapters";
import { createHost, type Host } from "./host/host.js";
import type { HostModule } from "./host/host-module.js";
import { allHostModules } from "./host/modules.js";

export interface ComposeOptions {
  /** Replace the logger `LOG_LEVEL` makes (tests pass a silent one). */
  logger?: Logger;
  /** The modules to serve, built from this host's container; every capability's by default. */
  modules?: (container: Container) => HostModule[];
}

/** A host for `config`, not yet listening: its logger, its container, and the modules given their use cases. */
export function composeHost(config: Config, options: ComposeOptions = {}): Host {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const container = createContainer(config, { logger });
  return createHost({
    config,
    logger,
    authenticator: container.get<Authenticator>(Authenticator),
    modules: (options.modules ?? allHostModules)(container),
    readiness: container.get<StoreReadiness>(StoreReadiness),
  });
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  overrides?: Partial<Config>;
  logger?: Logger;
}

/** Reads configuration and starts a listening host (used by main and tests). */
export async function startHost(options: StartOptions = {}): Promise<Host> {
  const config = loadConfig(options.env ?? process.env, options.overrides);
  const host = composeHost(config, options.logger ? { logger: options.logger } : {});
  await host.listen(config.PORT, config.HOST);
  return host;
}
