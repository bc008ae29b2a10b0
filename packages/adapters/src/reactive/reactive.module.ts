/**
 * The reactive capability's container module: the kernel factory (Python, JavaScript, SQL in
 * one notebook kernel), the notebook executors §A uses, and the
 * `ReactiveNotebooks` use case bound under its own class. It starts nothing: the host owns the
 * sessions' life (its idle sweep and `closeAll` on stop). Not the routes (apps/http/src/reactive).
 */
import { join } from "node:path";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import { NotebookExecutor, NotebookReexecutor, NotebookStore } from "@parallax/application/notebook";
import { KernelFactory, ReactiveNotebooks } from "@parallax/application/reactive";
import { Log, type Logger } from "../shared/logger.js";
import { NotebookKernelFactory } from "./notebook-kernel.js";
import { PythonNotebookExecutor } from "./python/python-notebook-executor.js";
import { PythonNotebookReexecutor } from "./python/python-notebook-reexecutor.js";
import { ProbedNotebookExecutor, ProbedNotebookReexecutor } from "./python/python-probe.js";
import type { ReactiveConfig } from "./reactive.config.js";
import { kernelSandbox, type KernelSandbox } from "./sandbox/kernel-sandbox.js";

/** The sandbox every kernel of this host runs in, from its KERNEL_* variables. */
export function sandboxOf(config: ReactiveConfig): KernelSandbox {
  return kernelSandbox(config.KERNEL_WORK_DIR ?? join(config.DATA_DIR, "kernels"), {
    limits: { cpuSeconds: config.KERNEL_CPU_SECONDS, memoryMb: config.KERNEL_MEMORY_MB, maxProcesses: config.KERNEL_MAX_PROCESSES, maxOpenFiles: config.KERNEL_MAX_OPEN_FILES },
    wrapper: config.KERNEL_WRAPPER,
    envAllow: config.KERNEL_ENV_ALLOW,
    envExtra: config.KERNEL_ENV,
    ...(config.KERNEL_USER && { user: config.KERNEL_USER }),
  });
}

/** Binds the reactive ports to the adapters chosen by configuration. */
export function reactiveModule(config: ReactiveConfig): ContainerModule {
  const timeoutMs = (config.CELL_TIMEOUT_SECONDS ?? config.CELL_TIMEOUT_S) * 1000;
  const sandbox = sandboxOf(config);
  const limits = { maxOutputBytes: config.MAX_OUTPUT_BYTES, maxStreamChars: config.MAX_CELL_STDOUT };
  return new ContainerModule((options) => {
    options.bind<KernelFactory>(KernelFactory).toResolvedValue(
      (log: Logger) => {
        if (process.getuid?.() === 0 && !sandbox.user) {
          log.warn("kernels run as root: a cell can lift its own limits and the process limit does not apply; set KERNEL_USER (e.g. 65534:65534)");
        }
        return new NotebookKernelFactory({ pythonBin: config.PYTHON_BIN, timeoutMs, ...limits, sandbox });
      },
      [Log],
    );
    options
      .bind<ReactiveNotebooks>(ReactiveNotebooks)
      .toResolvedValue(
        (store: NotebookStore, kernels: KernelFactory, ids: IdGenerator, clock: Clock) =>
          new ReactiveNotebooks(store, kernels, ids, clock, { maxKernels: config.MAX_KERNELS, maxStdoutChars: config.MAX_CELL_STDOUT }),
        [NotebookStore, KernelFactory, IdGenerator, Clock],
      );
    // Whether PYTHON_BIN runs is asked when a notebook first needs it, not here: a probe would hold start-up for an interpreter's start.
    const python = config.PYTHON_BIN;
    options.bind<NotebookReexecutor>(NotebookReexecutor).toConstantValue(new ProbedNotebookReexecutor(python, new PythonNotebookReexecutor(python, timeoutMs, config.MAX_OUTPUT_BYTES, sandbox)));
    options.bind<NotebookExecutor>(NotebookExecutor).toConstantValue(new ProbedNotebookExecutor(python, new PythonNotebookExecutor(python, timeoutMs, { maxOutputBytes: config.MAX_OUTPUT_BYTES, sandbox })));
  });
}
