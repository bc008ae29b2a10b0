import { ContainerModule } from "inversify";
import type { Config } from "../composition/config.js";

/** Binds the jobs ports to the adapters chosen by configuration. */
export function jobsModule(_config: Config): ContainerModule {
  return new ContainerModule(() => {});
}
