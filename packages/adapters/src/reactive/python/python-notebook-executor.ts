import { availableParallelism } from "node:os";
import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import type { CellRun, CodeToRun } from "@parallax/domain/notebook";
import type { NotebookExecutor } from "@parallax/application/notebook";
import { collectRun } from "@parallax/application/reactive";
import { pythonSource } from "./ipython-syntax.js";
import type { KernelSandbox } from "../sandbox/kernel-sandbox.js";
import type { PythonProcess } from "./python-process.js";
import { scratchPythonKernel } from "./scratch-python-kernel.js";

/**
 * `NotebookExecutor` on the reactive cells' Python kernel (`PythonProcess`: its environment
 * allowlist, time limit and whatever limits it enforces), started fresh for each call and closed
 * after it, with Jupyter's semantics: `_names` are shared between cells and magics run (`pythonSource`).
 *
 * Each call holds a python3 process (with matplotlib, some 100 MB) for as long as its cells run,
 * so calls beyond one per core wait their turn instead of starting more processes than the
 * machine can run: a burst of uploads must not exhaust memory.
 */
export class PythonNotebookExecutor implements NotebookExecutor {
  private readonly turns: Semaphore.Semaphore;

  constructor(
    private readonly pythonBin: string,
    private readonly cellTimeoutMs: number,
    private readonly limits: { concurrency?: number; maxOutputBytes?: number; sandbox?: KernelSandbox } = {},
  ) {
    this.turns = Semaphore.makeUnsafe(Math.max(1, limits.concurrency ?? availableParallelism()));
  }

  execute(cells: readonly CodeToRun[]): Effect.Effect<readonly CellRun[]> {
    if (cells.length === 0) return Effect.succeed([]);
    const freshKernel = scratchPythonKernel({ pythonBin: this.pythonBin, timeoutMs: this.cellTimeoutMs, privateNames: false, maxOutputBytes: this.limits.maxOutputBytes }, this.limits.sandbox);
    return this.turns.withPermits(1)(Effect.scoped(Effect.flatMap(freshKernel, (kernel) => runInOrder(kernel, cells))));
  }
}

function runInOrder(kernel: PythonProcess, cells: readonly CodeToRun[]): Effect.Effect<CellRun[]> {
  return Effect.gen(function* () {
    const runs: CellRun[] = [];
    for (const { index, code } of cells) {
      // Interrupting the fiber (the upload's request went away) interrupts the running cell.
      const { result } = yield* collectRun(kernel.run(String(index), pythonSource(code), []));
      runs.push({ index, outputs: result.outputs });
      // A cell stopped by its limit, a kernel that died or never started: later cells would run
      // without the state they expect, each costing a whole limit again.
      if (!kernel.started || result.error?.startsWith("TimeoutError:")) break;
    }
    return runs;
  });
}
