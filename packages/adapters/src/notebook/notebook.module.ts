import { ContainerModule } from "inversify";
import type { Config } from "../composition/config.js";

/** Binds the notebook ports to the adapters chosen by configuration. */
export function notebookModule(_config: Config): ContainerModule {
  return new ContainerModule(() => {});
}
