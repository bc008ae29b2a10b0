/**
 * The reactive capability's container module: the kernel factory (Python, JavaScript, SQL in
 * one notebook kernel), the notebook executors §A uses, and the
 * `ReactiveNotebooks` use case bound under its own class. It starts nothing: the host owns the
 * sessions' life (its idle sweep and `closeAll` on stop). Not the routes (apps/http/src/reactive).
 */
import { spawnSync } from "node:child_process";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import { NotebookExecutor, NotebookReexecutor, NotebookStore } from "@parallax/application/notebook";
import { KernelFactory, ReactiveNotebooks } from "@parallax/application/reactive";
import { NotebookKernelFactory } from "./notebook-kernel.js";
import { PythonNotebookExecutor } from "./python/python-notebook-executor.js";
import { PythonNotebookReexecutor } from "./python/python-notebook-reexecutor.js";
import type { ReactiveConfig } from "./reactive.config.js";

/** Whether `bin` is a runnable python3 (validation by execution needs one; Python cells report its absence). */
export function pythonAvailable(bin: string): boolean {
  let available = probed.get(bin);
  if (available === undefined) {
    const probe = spawnSync(bin, ["-c", "import sys; print(sys.version_info[0])"], { encoding: "utf8", timeout: 10_000 });
    available = probe.status === 0 && probe.stdout.trim() === "3";
    probed.set(bin, available);
  }
  return available;
}
/** One probe per interpreter per process (containers are built often in tests). */
const probed = new Map<string, boolean>();

/** Binds the reactive ports to the adapters chosen by configuration. */
export function reactiveModule(config: ReactiveConfig): ContainerModule {
  const timeoutMs = config.CELL_TIMEOUT_S * 1000;
  const limits = { maxOutputBytes: config.MAX_OUTPUT_BYTES, maxStreamChars: config.MAX_CELL_STDOUT };
  return new ContainerModule((options) => {
    options.bind<KernelFactory>(KernelFactory).toConstantValue(new NotebookKernelFactory({ pythonBin: config.PYTHON_BIN, timeoutMs, ...limits }));
    options
      .bind<ReactiveNotebooks>(ReactiveNotebooks)
      .toResolvedValue(
        (store: NotebookStore, kernels: KernelFactory, ids: IdGenerator, clock: Clock) =>
          new ReactiveNotebooks(store, kernels, ids, clock, { maxKernels: config.MAX_KERNELS, maxStdoutChars: config.MAX_CELL_STDOUT }),
        [NotebookStore, KernelFactory, IdGenerator, Clock],
      );
    if (pythonAvailable(config.PYTHON_BIN)) {
      options.bind<NotebookReexecutor>(NotebookReexecutor).toConstantValue(new PythonNotebookReexecutor(config.PYTHON_BIN, timeoutMs, config.MAX_OUTPUT_BYTES));
      options.bind<NotebookExecutor>(NotebookExecutor).toConstantValue(new PythonNotebookExecutor(config.PYTHON_BIN, timeoutMs, { maxOutputBytes: config.MAX_OUTPUT_BYTES }));
    }
  });
}
