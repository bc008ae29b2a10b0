import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { z } from "zod";
import { OutputCollector } from "@parallax/domain/reactive";
import type { KernelRunResult, KernelStream } from "@parallax/application/reactive";
import { PYTHON_DRIVER } from "./python-driver.source.js";
import { kernelEnvironment } from "./kernel-environment.js";
import { SerialLock } from "../serial-lock.js";

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
  z.object({ type: z.literal("values"), values: z.record(z.string(), z.json()), missing: z.array(z.string()) }),
]);
type Message = z.infer<typeof messageSchema>;

export interface PythonProcessOptions {
  pythonBin: string;
  timeoutMs: number;
  /** How long an interrupted cell may take to stop before the kernel is killed and restarted. */
  interruptGraceMs?: number;
  startTimeoutMs?: number;
  /** marimo's rule (default): `_x` is private to its cell. Jupyter semantics (re-execution) turn it off. */
  privateNames?: boolean;
}

interface Running {
  onMessage(message: Message): void;
  onExit(): void;
}

export const KERNEL_DIED = "kernel died";

/**
 * A persistent python3 subprocess running the embedded driver. One request at a time
 * (callers queue on a lock); a crash fails the running request with `kernel died` and the
 * next request starts a fresh process.
 */
export class PythonProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private running: Running | undefined;
  private readonly lock = new SerialLock();
  private closed = false;
  private exits = 0;

  constructor(private readonly options: PythonProcessOptions) {}

  get started(): boolean {
    return this.child !== undefined;
  }

  /** Changes when an interpreter exits: the names cells defined in it are gone. */
  get generation(): number {
    return this.exits;
  }

  run(id: string, code: string, deleteFirst: readonly string[], onStream: KernelStream, signal?: AbortSignal): Promise<KernelRunResult> {
    return this.lock.run(async () => {
      if (signal?.aborted) return { status: "error", outputs: [], error: "Interrupted" };
      let child: ChildProcessWithoutNullStreams;
      try {
        child = await this.ensureStarted();
      } catch (error) {
        return { status: "error", outputs: [], error: (error as Error).message };
      }
      return new Promise<KernelRunResult>((resolve) => {
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        const interrupt = () => {
          if (killTimer) return;
          child.kill("SIGINT");
          killTimer = setTimeout(() => child.kill("SIGKILL"), this.options.interruptGraceMs ?? 2_000);
        };
        const timeout = setTimeout(() => {
          timedOut = true;
          interrupt();
        }, this.options.timeoutMs);
        signal?.addEventListener("abort", interrupt, { once: true });
        const finish = (result: KernelRunResult) => {
          clearTimeout(timeout);
          if (killTimer) clearTimeout(killTimer);
          signal?.removeEventListener("abort", interrupt);
          this.running = undefined;
          resolve(timedOut ? { status: "error", outputs: result.outputs, error: this.timeoutMessage(result) } : result);
        };
        const collected = new OutputCollector();
        this.running = {
          onMessage: (message) => {
            if (message.type === "stream") {
              collected.stream(message.name, message.text);
              onStream(message.name, message.text);
            } else if (message.type === "output") collected.add(message.output);
            else if (message.type === "done") {
              const outputs = collected.outputs;
              finish(message.status === "success" ? { status: "success", outputs } : { status: "error", outputs, error: message.error ?? "Error" });
            }
          },
          onExit: () => finish({ status: "error", outputs: collected.outputs, error: KERNEL_DIED }),
        };
        this.send(child, { op: "run", id, code, delete: deleteFirst, private_names: this.options.privateNames ?? true });
      });
    });
  }

  /** Current values of `names` as JSON (for SQL parameters); names not defined are `missing`. */
  values(names: readonly string[]): Promise<{ values: Record<string, unknown>; missing: string[] }> {
    return this.lock.run(async () => {
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

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill("SIGKILL"), 2_000);
      child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      child.stdin.end();
      child.kill("SIGTERM");
    });
  }

  private timeoutMessage(result: KernelRunResult): string {
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    const suffix = result.error === KERNEL_DIED ? " (kernel restarted)" : "";
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

  private start(): Promise<ChildProcessWithoutNullStreams> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.pythonBin, ["-u", "-c", PYTHON_DRIVER], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...kernelEnvironment(), PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", MPLBACKEND: "Agg" },
      });
      let ready = false;
      const startTimer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error("Python kernel did not start"));
      }, this.options.startTimeoutMs ?? 15_000);
      child.once("error", (error) => {
        clearTimeout(startTimer);
        if (!ready) reject(new Error(`Python is not available (${this.options.pythonBin}): ${error.message}`));
      });
      child.stdin.on("error", () => {
        // A dead kernel's closed pipe: reported through "exit" as `kernel died`.
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        // Output written below Python's sys.stderr/sys.stdout (C extensions, subprocesses).
        if (this.running && this.child === child) this.running.onMessage({ type: "stream", name: "stderr", text });
      });
      createInterface({ input: child.stdout }).on("line", (line) => {
        const parsed = messageSchema.safeParse(safeJson(line));
        if (!parsed.success) return;
        if (parsed.data.type === "ready") {
          ready = true;
          clearTimeout(startTimer);
          this.child = child;
          resolve(child);
          return;
        }
        this.running?.onMessage(parsed.data);
      });
      child.once("exit", () => {
        clearTimeout(startTimer);
        if (!ready) reject(new Error(`Python kernel exited before it was ready (${this.options.pythonBin})`));
        if (this.child === child) {
          this.child = undefined;
          this.exits++;
          this.running?.onExit();
        }
      });
    });
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
