import { ContainerModule } from "inversify";
import type { Config } from "../composition/config.js";

/** Binds the reactive ports to the adapters chosen by configuration. */
export function reactiveModule(_config: Config): ContainerModule {
  return new ContainerModule(() => {});
}
