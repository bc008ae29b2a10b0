import { ContainerModule } from "inversify";
import { NotebookStore } from "@parallax/application/notebook";
import type { Config } from "../composition/config.js";
import { MemoryNotebookStore } from "./memory-notebook.store.js";

/** Binds the notebook ports to the adapters chosen by configuration (`STORAGE`). */
export function notebookModule(config: Config): ContainerModule {
  return new ContainerModule((options) => {
    options.bind<NotebookStore>(NotebookStore).toDynamicValue(() => {
      switch (config.STORAGE) {
        case "memory":
          return new MemoryNotebookStore();
        case "file":
          // The file store arrives with the spatial-notebook API; until then memory keeps the host usable.
          return new MemoryNotebookStore();
      }
    });
  });
}
