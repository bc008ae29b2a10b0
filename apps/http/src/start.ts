import { createContainer, loadConfig, type Config } from "@parallax/adapters";
import type { Logger } from "@parallax/adapters";
import { createHost, type Host } from "./host/host.js";
import { allHostModules } from "./host/modules.js";

export interface StartOptions {
  env?: Record<string, string | undefined>;
  overrides?: Partial<Config>;
  logger?: Logger;
}

/** Builds the container from configuration and starts a listening host (used by main and tests). */
export async function startHost(options: StartOptions = {}): Promise<Host> {
  const config = loadConfig(options.env ?? process.env, options.overrides);
  const container = createContainer(config, options.logger ? { logger: options.logger } : {});
  const host = createHost({ container, modules: allHostModules() });
  await host.listen(config.PORT, config.HOST);
  return host;
}
