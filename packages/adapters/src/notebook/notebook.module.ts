/**
 * The notebook capability's container module: which `NotebookStore` serves (`STORAGE`) and how
 * `SpatialNotebooks` is built. Not the store's behaviour (the adapters) nor the optional executors,
 * which the reactive module binds where a Python kernel exists.
 */
import { join } from "node:path";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import { NotebookExecutor, NotebookReexecutor, NotebookStore, SpatialNotebooks } from "@parallax/application/notebook";
import type { Config } from "../composition/config.js";
import { FileNotebookStore } from "./file-notebook.store.js";
import { MemoryNotebookStore } from "./memory-notebook.store.js";

/** Binds the notebook ports to the adapters chosen by configuration (`STORAGE`). */
export function notebookModule(config: Config): ContainerModule {
  return new ContainerModule((options) => {
    options.bind<NotebookStore>(NotebookStore).toDynamicValue(() =>
      config.STORAGE === "memory" ? new MemoryNotebookStore() : new FileNotebookStore(join(config.DATA_DIR, "notebooks")),
    );
    options.bind<SpatialNotebooks>(SpatialNotebooks).toDynamicValue((context) => {
      // Both bound by the reactive module only where a Python kernel is available.
      const reexecutor = context.get<NotebookReexecutor>(NotebookReexecutor, { optional: true });
      const executor = config.CONVERT_EXECUTE === "auto" ? context.get<NotebookExecutor>(NotebookExecutor, { optional: true }) : undefined;
      return new SpatialNotebooks(
        context.get<NotebookStore>(NotebookStore),
        context.get<Clock>(Clock),
        context.get<IdGenerator>(IdGenerator),
        reexecutor,
        { maxJsonDepth: config.MAX_JSON_DEPTH },
        executor,
      );
    });
  });
}
