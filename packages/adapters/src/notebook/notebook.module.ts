/**
 * The notebook capability's container module: which `NotebookStore` serves (`STORAGE`) and how
 * `SpatialNotebooks` is built. Not the store's behaviour (the adapters) nor the optional executors,
 * which the reactive module binds where a Python kernel exists.
 */
import { join } from "node:path";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import { NotebookExecutor, NotebookReexecutor, NotebookStore, SpatialNotebooks } from "@parallax/application/notebook";
import { requireAwsClients, type AwsClients } from "../aws/aws-clients.js";
import { S3BlobStore } from "../aws/s3-blob.store.js";
import { DynamoNotebookStore } from "./dynamodb-notebook.store.js";
import { FileNotebookStore } from "./file-notebook.store.js";
import { MemoryNotebookStore } from "./memory-notebook.store.js";
import type { NotebookConfig } from "./notebook.config.js";

/**
 * Binds the notebook store to the adapter `NOTEBOOKS_STORE`, else `STORAGE`, chooses (aws: DynamoDB + S3 through `aws`), and the spatial-notebook use cases
 * to it. Not here: the executors, which the reactive module binds where a Python kernel exists.
 */
export function notebookModule(config: NotebookConfig, aws?: AwsClients): ContainerModule {
  const storage = config.NOTEBOOKS_STORE ?? config.STORAGE;
  const store = (): NotebookStore => {
    if (storage === "memory") return new MemoryNotebookStore();
    if (storage === "aws") {
      const clients = requireAwsClients(aws, "the notebook store");
      return new DynamoNotebookStore(clients.documents, clients.table, new S3BlobStore(clients));
    }
    return new FileNotebookStore(join(config.DATA_DIR, "notebooks"));
  };
  return new ContainerModule((options) => {
    options.bind<NotebookStore>(NotebookStore).toResolvedValue(store);
    options
      .bind<SpatialNotebooks>(SpatialNotebooks)
      .toResolvedValue(
        (store: NotebookStore, clock: Clock, ids: IdGenerator, reexecutor: NotebookReexecutor | undefined, executor: NotebookExecutor | undefined) =>
          new SpatialNotebooks(store, clock, ids, reexecutor, { maxJsonDepth: config.MAX_JSON_DEPTH }, config.CONVERT_EXECUTE === "auto" ? executor : undefined),
        [NotebookStore, Clock, IdGenerator, { serviceIdentifier: NotebookReexecutor, optional: true }, { serviceIdentifier: NotebookExecutor, optional: true }],
      );
  });
}
