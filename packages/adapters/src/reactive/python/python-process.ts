import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { Semaphore, type Effect, type Stream } from "effect";
import { z } from "zod";
import { OutputCollector } from "@parallax/domain/reactive";
import type { KernelEvent, KernelRunResult } from "@parallax/application/reactive";
import { errnoCode } from "../../shared/errno.js";
import { signalGroup, stopProcessGroup } from "../../shared/process-group.js";
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STREAM_CHARS, humanBytes, limitOutputs, limitText } from "../output-limits.js";
import { kernelEnvironment } from "../sandbox/kernel-environment.js";
import { kernelRlimits, sandboxedCommand, type KernelSandbox, type SandboxedCommand } from "../sandbox/kernel-sandbox.js";
import type { LanguageKernel, NamedValues } from "../language-kernel.js";
import { serially, seriallyStreamed } from "../serially.js";
import { ProtocolLines, parseLine, streamsJoined } from "../protocol-lines.js";
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

interface Running {
  onMessage(message: Message): void;
  onExit(error: string): void;
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
export class PythonProcess implements LanguageKernel {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private running: Running | undefined;
  private readonly lock = Semaphore.makeUnsafe(1);
  private closed = false;
  private exits = 0;

  private readonly maxOutputBytes: number;
  private readonly maxStreamChars: number;
  /** One `output` line holds an output (a bundle of capped values) plus small fields; stream chunks are 64 Ki characters at most. */
  private readonly maxLineBytes: number;

  constructor(private readonly options: PythonProcessOptions) {
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.maxStreamChars = options.maxStreamChars ?? DEFAULT_MAX_STREAM_CHARS;
    this.maxLineBytes = Math.max(2 * this.maxOutputBytes, 1024 * 1024) + 64 * 1024;
  }

  get started(): boolean {
    return this.child !== undefined;
  }

  /** Changes when an interpreter exits: the names cells defined in it are gone. */
  get generation(): number {
    return this.exits;
  }

  run(id: string, code: string, deleteFirst: readonly string[]): Stream.Stream<KernelEvent> {
    return seriallyStreamed(this.lock, async (emit, signal) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = await this.ensureStarted();
      } catch (error) {
        return { status: "error", outputs: [], error: (error as Error).message };
      }
      // Interrupted while the interpreter started: the cell never runs.
      if (signal.aborted) return { status: "error", outputs: [], error: "Interrupted" };
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
        this.running = {
          onMessage: (message) => {
            if (message.type === "stream") {
              collected.stream(message.name, message.text);
              emit(message.name, message.text);
            } else if (message.type === "output") {
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
   * Current values of `names` as JSON (for SQL parameters); names not defined are `missing`,
   * names in neither list were too large to hand over.
   */
  values(names: readonly string[]): Effect.Effect<NamedValues> {
    return serially(this.lock, async () => {
      if (!this.child) return { values: {}, missing: [...names] };
      const child = this.child;
      return new Promise((resolve) => {
        this.running = {
          onMessage: (message) => {
            if (message.type !== "values") return;
            this.running = undefined;
            resolve({ values: message.values, missing: message.missing });
          },
          onExit: () => {
            this.running = undefined;
            resolve({ values: {}, missing: [...names] });
          },
        };
        this.send(child, { op: "get", names });
      });
    });
  }

  /** Fire and forget: the driver handles it after the current cell, in order. */
  forget(names: readonly string[]): void {
    if (this.child) this.send(this.child, { op: "forget", names });
  }

  /** The kernel's process id (tests kill it to prove recovery). */
  pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the kernel and everything it started; resolves once the whole group is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child ?? (await this.starting?.catch(() => undefined));
    if (!child?.pid) return;
    child.stdin.end();
    await stopProcessGroup(child.pid, 2_000);
  }

  /**
   * A line longer than any the driver writes (a cell wrote to the protocol itself): read as
   * the message it started, with a note in place of its content.
   */
  private overlong(head: string, bytes: number): Message[] {
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

  private send(child: ChildProcessWithoutNullStreams, request: unknown): void {
    if (child.stdin.writable) child.stdin.write(`${JSON.stringify(request)}\n`);
  }

  private ensureStarted(): Promise<ChildProcessWithoutNullStreams> {
    if (this.closed) return Promise.reject(new Error("kernel is shut down"));
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** The driver's command line, in the sandbox when there is one. */
  private async command(): Promise<SandboxedCommand> {
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

  private async start(): Promise<ChildProcessWithoutNullStreams> {
    const command = await this.command();
    return new Promise((resolve, reject) => {
      const { file, args, ...options } = command;
      const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], detached: true, ...options });
      let ready = false;
      const killGroup = () => child.pid !== undefined && signalGroup(child.pid, "SIGKILL");
      const startTimer = setTimeout(() => {
        killGroup();
        reject(new Error("Python kernel did not start"));
      }, this.options.startTimeoutMs ?? 15_000);
      child.once("error", (error) => {
        clearTimeout(startTimer);
        if (ready) return;
        const user = this.options.sandbox?.sandbox.user;
        // Only root may start a process as another user.
        if (user && errnoCode(error) === "EPERM") reject(new Error(`The Python kernel cannot start as KERNEL_USER ${user.uid}:${user.gid}: ${error.message} (only a root host can)`));
        else if (this.options.sandbox?.sandbox.wrapper.length) reject(new Error(`The kernel wrapper (KERNEL_WRAPPER) cannot start (${file}): ${error.message}`));
        else reject(new Error(`Python is not available (${file}): ${error.message}`));
      });
      child.stdin.on("error", () => {
        // A dead kernel's closed pipe: reported through "exit" as `kernel died`.
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        // Output written below Python's sys.stderr/sys.stdout (C extensions, subprocesses).
        if (this.running && this.child === child) this.running.onMessage({ type: "stream", name: "stderr", text });
      });
      const messages = streamsJoined<Message>((message) => this.running?.onMessage(message));
      const lines = new ProtocolLines(
        this.maxLineBytes,
        (line) => {
          const parsed = parseLine(line, messageSchema);
          if (!parsed) return;
          if (parsed.type !== "ready") return messages.push(parsed);
          ready = true;
          clearTimeout(startTimer);
          this.child = child;
          resolve(child);
        },
        (head, bytes) => this.overlong(head, bytes).forEach((message) => messages.push(message)),
      );
      child.stdout.on("data", (chunk: Buffer) => {
        lines.push(chunk);
        messages.flush();
      });
      child.once("exit", (code, signal) => {
        clearTimeout(startTimer);
        // Whatever the kernel forked outlives it otherwise.
        killGroup();
        if (!ready) reject(new Error(`Python kernel exited before it was ready (${this.options.pythonBin})`));
        if (this.child === child) {
          this.child = undefined;
          this.exits++;
          this.running?.onExit(this.exitReason(code, signal));
        }
      });
    });
  }
}
