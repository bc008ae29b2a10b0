import type * as Stream from "effect/Stream";
import { z } from "zod";
import { OutputCollector } from "@parallax/domain/reactive";
import type { KernelEvent, KernelRunResult } from "@parallax/application/reactive";
import { errnoCode } from "../../shared/errno.js";
import { signalGroup } from "../../shared/process-group.js";
import { humanBytes, limitOutputs, limitText } from "../output-limits.js";
import { kernelEnvironment } from "../sandbox/kernel-environment.js";
import { kernelRlimits, sandboxedCommand, type KernelSandbox, type SandboxedCommand } from "../sandbox/kernel-sandbox.js";
import type { LanguageKernel } from "../language-kernel.js";
import { seriallyStreamed } from "../serially.js";
import { KernelProcess, cellPrinter, type ProcessWatch } from "../kernel-process.js";
import { PYTHON_DRIVER } from "./python-driver.source.js";

const bundle = z.record(z.string(), z.json());
const metadata = z.record(z.string(), z.json()).default({});
/** The nbformat outputs the driver sends (streams come as their own messages). */
const outputSchema = z.discriminatedUnion("output_type", [
  z.object({ output_type: z.literal("display_data"), data: bundle, metadata }),
  z.object({ output_type: z.literal("execute_result"), execution_count: z.null(), data: bundle, metadata }),
  z.object({ output_type: z.literal("error"), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }),
]);
const messageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), pid: z.number(), version: z.string() }),
  z.object({ type: z.literal("stream"), name: z.enum(["stdout", "stderr"]), text: z.string() }),
  z.object({ type: z.literal("output"), output: outputSchema }),
  z.object({ type: z.literal("done"), status: z.enum(["success", "error"]), error: z.string().optional() }),
  // The driver also lists `too_large` names; a name in neither list is read as one.
  z.object({ type: z.literal("values"), values: z.record(z.string(), z.json()), missing: z.array(z.string()) }),
]);
type Message = z.infer<typeof messageSchema>;
/** The first bytes of a line too long to read: which message it was (the driver writes `type` first). */
const overlongHead = z.object({
  type: z.enum(["stream", "output", "done", "values"]).catch("stream"),
  status: z.enum(["success", "error"]).catch("error"),
  name: z.enum(["stdout", "stderr"]).catch("stderr"),
});

export interface PythonProcessOptions {
  pythonBin: string;
  timeoutMs: number;
  /** How long an interrupted cell may take to stop before the kernel is killed and restarted. */
  interruptGraceMs?: number;
  startTimeoutMs?: number;
  /** marimo's rule (default): `_x` is private to its cell. Jupyter semantics (re-execution) turn it off. */
  privateNames?: boolean;
  /** Bytes each value of an output may take (text is cut, anything else becomes a note). */
  maxOutputBytes?: number;
  /** Characters of stdout and stderr together one cell may send. */
  maxStreamChars?: number;
  /**
   * Limits, environment, user and wrapper of the kernel, which starts in `workDir()` (made on each
   * start if missing). Without one: no limits, the host's directory, the allowlisted environment.
   */
  sandbox?: { sandbox: KernelSandbox; workDir: () => Promise<string> };
}

export const KERNEL_DIED = "kernel died";
/** SIGXCPU's number on Linux: a wrapper that does not die of its child's signal exits with 128 + it. */
const SIGXCPU_STATUS = 128 + 24;

/**
 * A persistent python3 subprocess running the embedded driver, a `LanguageKernel`. One request
 * at a time (callers queue on a semaphore; interrupting a run interrupts the cell); a crash fails
 * the running request with `kernel died` and the next request starts a fresh process.
 *
 * The kernel leads its own process group (`detached`), and every way it ends (close, an
 * interrupt that does not stop the cell, a crash) ends the group: threads a cell left
 * running and processes it forked go with it. Protocol lines are read with a byte cap and
 * outputs capped again here, whatever the driver did.
 */
export class PythonProcess extends KernelProcess<Message> implements LanguageKernel {
  constructor(private readonly options: PythonProcessOptions) {
    super({ language: "Python", messages: messageSchema, maxOutputBytes: options.maxOutputBytes, maxStreamChars: options.maxStreamChars, startTimeoutMs: options.startTimeoutMs });
  }

  run(id: string, code: string, deleteFirst: readonly string[]): Stream.Stream<KernelEvent> {
    return seriallyStreamed(this.lock, async (emit, signal) => {
      const started = await this.processForCell(signal);
      if ("instead" in started) return started.instead;
      const { child } = started;
      return new Promise<KernelRunResult>((resolve) => {
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        const interrupt = () => {
          if (killTimer) return;
          child.kill("SIGINT");
          // A cell that ignores the interrupt costs the kernel: the group is killed and restarts on next use.
          killTimer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), this.options.interruptGraceMs ?? 2_000);
        };
        const timeout = setTimeout(() => {
          timedOut = true;
          interrupt();
        }, this.options.timeoutMs);
        signal.addEventListener("abort", interrupt, { once: true });
        const finish = (result: KernelRunResult) => {
          clearTimeout(timeout);
          if (killTimer) clearTimeout(killTimer);
          signal.removeEventListener("abort", interrupt);
          this.running = undefined;
          resolve(timedOut ? { status: "error", outputs: result.outputs, error: this.timeoutMessage(result) } : result);
        };
        const collected = new OutputCollector(this.maxStreamChars);
        const print = cellPrinter(collected, emit);
        this.running = {
          onMessage: (message) => {
            if (message.type === "stream") print(message.name, message.text);
            else if (message.type === "output") {
              for (const output of limitOutputs([message.output], this.maxOutputBytes)) collected.add(output);
            } else if (message.type === "done") {
              const error = limitText(message.error ?? "Error", this.maxOutputBytes);
              const outputs = collected.outputs;
              finish(message.status === "success" ? { status: "success", outputs } : { status: "error", outputs, error });
            }
          },
          onExit: (error) => finish({ status: "error", outputs: collected.outputs, error }),
        };
        this.send(child, { op: "run", id, code, delete: deleteFirst, private_names: this.options.privateNames ?? true });
      });
    });
  }

  /**
   * A line longer than any the driver writes (a cell wrote to the protocol itself): read as
   * the message it started, with a note in place of its content.
   */
  protected overlong(head: string, bytes: number): Message[] {
    const fields = Object.fromEntries([...head.matchAll(/"(type|status|name)": "(\w+)"/g)].map((match) => [match[1], match[2]]));
    const { type, status, name } = overlongHead.parse(fields);
    const note = `[output truncated: ${humanBytes(bytes)} > ${humanBytes(this.maxLineBytes)} limit]`;
    const shown: Message = { type: "output", output: { output_type: "display_data", data: { "text/plain": note }, metadata: {} } };
    if (type === "output") return [shown];
    if (type === "done") return [shown, status === "success" ? { type, status } : { type, status, error: `Error (message too large to read) ${note}` }];
    if (type === "values") return [{ type, values: {}, missing: [] }];
    return [{ type: "stream", name, text: `${note}\n` }];
  }

  private timeoutMessage(result: KernelRunResult): string {
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    const suffix = result.error?.startsWith(KERNEL_DIED) ? " (kernel restarted)" : "";
    return `TimeoutError: cell execution timed out after ${seconds} s${suffix}`;
  }

  /** The driver's command line, in the sandbox when there is one, leading its own process group (`detached`). */
  protected async command(): Promise<SandboxedCommand & { detached: boolean }> {
    return { ...(await this.driverCommand()), detached: true };
  }

  private async driverCommand(): Promise<SandboxedCommand> {
    const caps = [this.maxOutputBytes, this.maxStreamChars, this.maxLineBytes].map(String);
    const env = { PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", MPLBACKEND: "Agg" };
    const { pythonBin, sandbox } = this.options;
    if (!sandbox) {
      const args = ["-u", "-c", PYTHON_DRIVER, ...caps];
      // The host's HOME keeps matplotlib's font cache between kernels (seconds per start without it).
      return { file: pythonBin, args, cwd: process.cwd(), env: { ...kernelEnvironment(), ...(process.env["HOME"] ? { HOME: process.env["HOME"] } : {}), ...env } };
    }
    const limits = JSON.stringify(await kernelRlimits(sandbox.sandbox));
    // glibc reserves an arena (64 MB of address space) per thread, up to 8 per core: under RLIMIT_AS a
    // threaded library on a many-core machine would fail on reservations, not on memory used.
    const boundedArenas = { MALLOC_ARENA_MAX: "2" };
    return sandboxedCommand(sandbox.sandbox, await sandbox.workDir(), pythonBin, ["-u", "-c", PYTHON_DRIVER, ...caps, limits], { ...env, ...boundedArenas });
  }

  /** Why the kernel ended, in words a cell's author can act on. */
  private exitReason(code: number | null, signal: NodeJS.Signals | null): string {
    const cpuSeconds = this.options.sandbox?.sandbox.limits.cpuSeconds;
    if (cpuSeconds !== undefined && (signal === "SIGXCPU" || code === SIGXCPU_STATUS)) {
      return `${KERNEL_DIED}: the kernel used its ${cpuSeconds} CPU seconds (KERNEL_CPU_SECONDS) and was stopped; it restarts on the next run`;
    }
    return KERNEL_DIED;
  }

  /** Why the process could not start at all. */
  protected startError(file: string, error: Error): Error {
    const user = this.options.sandbox?.sandbox.user;
    // Only root may start a process as another user.
    if (user && errnoCode(error) === "EPERM") return new Error(`The Python kernel cannot start as KERNEL_USER ${user.uid}:${user.gid}: ${error.message} (only a root host can)`);
    if (this.options.sandbox?.sandbox.wrapper.length) return new Error(`The kernel wrapper (KERNEL_WRAPPER) cannot start (${file}): ${error.message}`);
    return new Error(`Python is not available (${file}): ${error.message}`);
  }

  /** Names the interpreter: one that cannot run the driver is the usual cause. */
  protected exitedBeforeReady(): Error {
    return new Error(`Python kernel exited before it was ready (${this.options.pythonBin})`);
  }

  protected watch(): ProcessWatch<Message> {
    return {
      // Output written below Python's sys.stderr/sys.stdout (C extensions, subprocesses).
      stderr: (text) => ({ type: "stream", name: "stderr", text }),
      exitReason: (code, signal) => this.exitReason(code, signal),
    };
  }
}
