import { Worker } from "node:worker_threads";
import { Semaphore, type Effect, type Stream } from "effect";
import { z } from "zod";
import type { Output } from "@parallax/domain/notebook";
import { OutputCollector, errorOutput, executeResult, tableBundle } from "@parallax/domain/reactive";
import type { KernelEvent, KernelRunResult } from "@parallax/application/reactive";
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STREAM_CHARS, limitOutputs, limitText } from "../output-limits.js";
import type { LanguageKernel, NamedValues } from "../language-kernel.js";
import { serially, seriallyStreamed } from "../serially.js";
import { kernelEnvironment } from "../sandbox/kernel-environment.js";
import { rewriteCell } from "./javascript-rewrite.js";
import { JAVASCRIPT_WORKER } from "./javascript-worker.source.js";

/** A last value shaped `{type: "table", columns, rows}` is shown as a table; anything else as text. */
const table = z.object({
  columns: z.array(z.json()).transform((columns) => columns.map(String)),
  rows: z.array(z.array(z.json())),
  truncated: z.boolean().optional(),
  total_rows: z.number().optional(),
});
/**
 * The worker runs cell code, which may reach its `parentPort`: what it posts is checked like a
 * subprocess's output (user values inside stay loose, so a message is never dropped for them).
 */
const workerMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("stream"), name: z.enum(["stdout", "stderr"]), text: z.string() }),
  z.object({
    type: z.literal("done"),
    status: z.enum(["success", "error"]),
    value: z.object({ text: z.string(), table: z.json().optional() }).optional(),
    error: z.string().optional(),
    traceback: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal("values"), values: z.record(z.string(), z.unknown()), missing: z.array(z.string()) }),
]);
type WorkerMessage = z.infer<typeof workerMessage>;

export interface JavaScriptKernelOptions {
  timeoutMs: number;
  /** Extra time the main thread waits past the vm timeout before it terminates the worker. */
  graceMs?: number;
  maxOutputBytes?: number;
  maxStreamChars?: number;
  /** The worker's old-generation heap; past it the worker stops and the next cell gets a fresh context. */
  heapMb?: number;
  /** What the worker's `process.env` holds (cell code can reach `process` through the context's host objects). */
  env?: Record<string, string>;
}

/** The heap a worker gets when not told: it lives in the host's process, so it stays modest. */
export const DEFAULT_JAVASCRIPT_HEAP_MB = 512;

/**
 * A notebook's JavaScript cells run in one `node:vm` context inside a worker thread, so a
 * runaway cell never blocks the host. Synchronous loops stop at the vm timeout with the
 * context intact; anything that will not stop (or an interrupt) terminates the worker,
 * and the next cell gets a fresh context. Terminating the worker is the kernel's reset:
 * timers and intervals a cell left running end with it.
 */
export class JavaScriptKernel implements LanguageKernel {
  private worker: Worker | undefined;
  private listener: ((message: WorkerMessage) => void) | undefined;
  private onExit: ((error: string) => void) | undefined;
  private readonly lock = Semaphore.makeUnsafe(1);
  private resets = 0;

  constructor(private readonly options: JavaScriptKernelOptions) {}

  private get maxOutputBytes(): number {
    return this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  }

  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Changes when the worker (and its context) is replaced: what cells defined is gone. */
  get generation(): number {
    return this.resets;
  }

  run(id: string, source: string, deleteFirst: readonly string[]): Stream.Stream<KernelEvent> {
    return seriallyStreamed(this.lock, async (emit, signal) => {
      let rewritten;
      try {
        rewritten = rewriteCell(source);
      } catch (error) {
        return { status: "error", outputs: [], error: `SyntaxError: ${(error as Error).message}` };
      }
      const worker = this.ensureWorker();
      const collected = new OutputCollector(this.options.maxStreamChars ?? DEFAULT_MAX_STREAM_CHARS);
      // Capped again here, whatever the worker (which runs cell code) did.
      const add = (output: Output) => limitOutputs([output], this.maxOutputBytes).forEach((limited) => collected.add(limited));
      return new Promise<KernelRunResult>((resolve) => {
        const finish = (result: KernelRunResult) => {
          clearTimeout(hardStop);
          signal.removeEventListener("abort", abort);
          this.listener = undefined;
          this.onExit = undefined;
          resolve(result);
        };
        const terminate = (error: string) => {
          this.listener = undefined;
          this.onExit = undefined;
          this.worker = undefined;
          this.resets++;
          void worker.terminate();
          finish({ status: "error", outputs: collected.outputs, error });
        };
        const abort = () => terminate("Interrupted");
        const seconds = this.options.timeoutMs / 1000;
        const hardStop = setTimeout(
          () => terminate(`TimeoutError: cell execution timed out after ${seconds} s (JavaScript context reset)`),
          this.options.timeoutMs + (this.options.graceMs ?? 2_000),
        );
        signal.addEventListener("abort", abort, { once: true });
        this.listener = (message) => {
          if (message.type === "stream") {
            collected.stream(message.name, message.text);
            emit(message.name, message.text);
          } else if (message.type === "done") {
            if (message.status === "error") {
              const error = limitText(message.error ?? "Error", this.maxOutputBytes);
              add(errorOutput(error, message.traceback));
              return finish({ status: "error", outputs: collected.outputs, error });
            }
            const value = message.value;
            const shown = table.safeParse(value?.table);
            if (value) add(executeResult(shown.success ? tableBundle(shown.data) : { "text/plain": value.text }));
            finish({ status: "success", outputs: collected.outputs });
          }
        };
        this.onExit = (error) => finish({ status: "error", outputs: collected.outputs, error });
        worker.postMessage({ op: "run", id, code: rewritten.code, hasResult: rewritten.hasResult, isAsync: rewritten.isAsync, delete: deleteFirst, timeoutMs: this.options.timeoutMs });
      });
    });
  }

  values(names: readonly string[]): Effect.Effect<NamedValues> {
    return serially(this.lock, async () => {
      const worker = this.worker;
      if (!worker) return { values: {}, missing: [...names] };
      return new Promise((resolve) => {
        this.listener = (message) => {
          if (message.type !== "values") return;
          this.listener = undefined;
          this.onExit = undefined;
          resolve({ values: message.values, missing: message.missing });
        };
        this.onExit = () => resolve({ values: {}, missing: [...names] });
        worker.postMessage({ op: "get", names });
      });
    });
  }

  forget(names: readonly string[]): void {
    this.worker?.postMessage({ op: "forget", names });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData = { maxOutputBytes: this.maxOutputBytes, maxStreamChars: this.options.maxStreamChars ?? DEFAULT_MAX_STREAM_CHARS };
    const heapMb = this.options.heapMb ?? DEFAULT_JAVASCRIPT_HEAP_MB;
    const env = this.options.env ?? kernelEnvironment();
    const worker = new Worker(JAVASCRIPT_WORKER, { eval: true, workerData, env, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    worker.unref();
    worker.on("message", (raw: unknown) => {
      const message = workerMessage.safeParse(raw);
      if (message.success && this.worker === worker) this.listener?.(message.data);
    });
    const died = (error?: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.resets++;
      const outOfMemory = (error as { code?: unknown } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.onExit?.(outOfMemory ? `kernel died: the JavaScript heap limit (${heapMb} MB) was reached; the context restarts on the next run` : "kernel died");
    };
    worker.on("error", died);
    worker.on("exit", () => died());
    this.worker = worker;
    return worker;
  }
}
