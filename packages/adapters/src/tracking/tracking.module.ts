import { ContainerModule } from "inversify";
import type { Config } from "../composition/config.js";

/** Binds the tracking ports to the adapters chosen by configuration. */
export function trackingModule(_config: Config): ContainerModule {
  return new ContainerModule(() => {});
}
