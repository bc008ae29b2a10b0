import { rm } from "node:fs/promises";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { scratchWorkDir, type KernelSandbox } from "../sandbox/kernel-sandbox.js";
import { PythonProcess, type PythonProcessOptions } from "./python-process.js";

/**
 * A fresh kernel for one run over an uploaded notebook, in the sandbox when there is one: its own
 * scratch directory (made when the kernel starts), removed with the kernel when the scope ends.
 */
export function scratchPythonKernel(options: Omit<PythonProcessOptions, "sandbox">, sandbox?: KernelSandbox): Effect.Effect<PythonProcess, never, Scope.Scope> {
  let made: Promise<string> | undefined;
  const workDir = (within: KernelSandbox) => () => (made ??= scratchWorkDir(within));
  return Effect.acquireRelease(
    Effect.sync(() => new PythonProcess({ ...options, ...(sandbox && { sandbox: { sandbox, workDir: workDir(sandbox) } }) })),
    (kernel) =>
      Effect.promise(async () => {
        await kernel.close();
        const dir = await made?.catch(() => undefined);
        if (dir) await rm(dir, { recursive: true, force: true });
      }),
  );
}
