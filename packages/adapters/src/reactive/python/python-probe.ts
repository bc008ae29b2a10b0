/**
 * Whether a `python3` runs here, looked for when a notebook first needs one rather than at start
 * (issue 11: a probe at start held the host's start-up for a whole interpreter start, ~130 ms on a
 * busy machine), and the §A executors that answer "no interpreter" (`undefined`) where it is
 * missing, as an unbound port would.
 */
import { spawn, spawnSync } from "node:child_process";
import * as Effect from "effect/Effect";
import type { Notebook } from "@parallax/domain/notebook";
import type { NotebookExecutor, NotebookReexecutor } from "@parallax/application/notebook";

const PROBE = ["-c", "import sys; print(sys.version_info[0])"];
const PROBE_TIMEOUT_MS = 10_000;

/** One answer per interpreter per process (containers are built often in tests). */
const probed = new Map<string, boolean>();
const probing = new Map<string, Promise<boolean>>();

/** Whether `bin` is a runnable python3, blocking while it starts (tests and tools; a host uses `probePython`). */
export function pythonAvailable(bin: string): boolean {
  let available = probed.get(bin);
  if (available === undefined) {
    const probe = spawnSync(bin, PROBE, { encoding: "utf8", timeout: PROBE_TIMEOUT_MS });
    available = probe.status === 0 && probe.stdout.trim() === "3";
    probed.set(bin, available);
  }
  return available;
}

/** Whether `bin` is a runnable python3, without blocking: the first call starts it once, later ones share the answer. */
export function probePython(bin: string): Effect.Effect<boolean> {
  return Effect.promise(() => {
    const known = probed.get(bin);
    if (known !== undefined) return Promise.resolve(known);
    let pending = probing.get(bin);
    if (!pending) {
      pending = new Promise<boolean>((resolve) => {
        let stdout = "";
        const child = spawn(bin, PROBE, { stdio: ["ignore", "pipe", "ignore"], timeout: PROBE_TIMEOUT_MS });
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.once("error", () => resolve(false));
        child.once("close", (code) => resolve(code === 0 && stdout.trim() === "3"));
      }).then((available) => {
        probed.set(bin, available);
        probing.delete(bin);
        return available;
      });
      probing.set(bin, pending);
    }
    return pending;
  });
}

/** Validation by execution where `bin` runs; `undefined` (schema validation only) where it does not. */
export class ProbedNotebookReexecutor implements NotebookReexecutor {
  constructor(
    private readonly pythonBin: string,
    private readonly reexecutor: NotebookReexecutor,
  ) {}

  reexecute(notebook: Notebook, options?: { timeoutMs?: number }) {
    return Effect.flatMap(probePython(this.pythonBin), (available) => (available ? this.reexecutor.reexecute(notebook, options) : Effect.succeed(undefined)));
  }
}

/** Charts made by running cells where `bin` runs; `undefined` (no chart made) where it does not. */
export class ProbedNotebookExecutor implements NotebookExecutor {
  constructor(
    private readonly pythonBin: string,
    private readonly executor: NotebookExecutor,
  ) {}

  execute(cells: Parameters<NotebookExecutor["execute"]>[0]) {
    return Effect.flatMap(probePython(this.pythonBin), (available) => (available ? this.executor.execute(cells) : Effect.succeed(undefined)));
  }
}
