import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type * as Stream from "effect/Stream";
import { z } from "zod";
import type { Output } from "@parallax/domain/notebook";
import { OutputCollector, errorOutput, executeResult, tableBundle } from "@parallax/domain/reactive";
import type { KernelEvent, KernelRunResult } from "@parallax/application/reactive";
import { errnoCode } from "../../shared/errno.js";
import { signalGroup } from "../../shared/process-group.js";
import { humanBytes, limitOutputs, limitText } from "../output-limits.js";
import type { LanguageKernel } from "../language-kernel.js";
import { seriallyStreamed } from "../serially.js";
import { kernelEnvironment } from "../sandbox/kernel-environment.js";
import { kernelRlimits, prlimitArguments, sandboxedCommand, type KernelSandbox, type SandboxedCommand } from "../sandbox/kernel-sandbox.js";
import { KernelProcess, cellPrinter, type ProcessWatch } from "../kernel-process.js";
import { rewriteCell } from "./javascript-rewrite.js";
import { JAVASCRIPT_DRIVER } from "./javascript-driver.source.js";

/** A last value shaped `{type: "table", columns, rows}` is shown as a table; anything else as text. */
const table = z.object({
  columns: z.array(z.json()).transform((columns) => columns.map(String)),
  rows: z.array(z.array(z.json())),
  truncated: z.boolean().optional(),
  total_rows: z.number().optional(),
});
/** The driver's lines (it runs cell code, so they are checked like any subprocess's output). */
const driverMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), pid: z.number(), version: z.string() }),
  z.object({ type: z.literal("stream"), name: z.enum(["stdout", "stderr"]), text: z.string() }),
  z.object({
    type: z.literal("done"),
    status: z.enum(["success", "error"]),
    value: z.object({ text: z.string(), table: z.json().optional() }).optional(),
    error: z.string().optional(),
    traceback: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal("values"), values: z.record(z.string(), z.json()), missing: z.array(z.string()) }),
]);
type DriverMessage = z.infer<typeof driverMessage>;
/** The first bytes of a line too long to read: which message it was (the driver writes `type` first). */
const overlongHead = z.object({ type: z.enum(["stream", "done", "values"]).catch("stream"), name: z.enum(["stdout", "stderr"]).catch("stderr") });

export interface JavaScriptKernelOptions {
  timeoutMs: number;
  /** Extra time past the vm timeout before the kernel's process group is killed (a cell that will not stop). */
  graceMs?: number;
  startTimeoutMs?: number;
  maxOutputBytes?: number;
  maxStreamChars?: number;
  /** The kernel's old-generation heap (`--max-old-space-size`); past it the process dies and the next cell gets a fresh one. */
  heapMb?: number;
  /**
   * User, wrapper, rlimits (through `prlimit`) and environment of the kernel, which starts in
   * `workDir()`. Without one: no limits, the host's directory, the allowlisted environment.
   */
  sandbox?: { sandbox: KernelSandbox; workDir: () => Promise<string> };
}

/** The heap a kernel gets when not told (Node's own default depends on the machine's memory). */
export const DEFAULT_JAVASCRIPT_HEAP_MB = 512;

const KERNEL_DIED = "kernel died";
/** SIGXCPU's number on Linux: a wrapper that does not die of its child's signal exits with 128 + it. */
const SIGXCPU_STATUS = 128 + 24;
/**
 * Makes the kernel lead a process group of its own inside the host's session, then becomes it.
 * `detached` would make a new session, and a session is an autogroup the scheduler serves apart
 * from the host's: each cell's round trip then waited for the kernel's group to get the CPU
 * (per cell 1.2 ms instead of 0.6 in `npm run bench -- reactive-run` at load 11 on 2 cores), and
 * the kernel's nice 10 counted only inside its own group, not against the host.
 */
const OWN_GROUP = ["-e", "setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die qq(cannot start $ARGV[0]: $!\\n)"];
let perlLookup: Promise<string | undefined> | undefined;

/** perl (Essential on Debian and Ubuntu) from PATH; without it the kernel gets a session of its own. */
function perl(): Promise<string | undefined> {
  perlLookup ??= (async () => {
    for (const dir of (process.env["PATH"] ?? "").split(delimiter).filter(Boolean)) {
      const candidate = join(dir, "perl");
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  })();
  return perlLookup;
}

/** What V8 prints on its way out of a heap exhausted; from there on stderr is its report, not the cell's. */
const HEAP_EXHAUSTED = /<--- (Last few GCs|JS stacktrace) --->|FATAL ERROR: .*heap/;

/**
 * A notebook's JavaScript cells in one `node:vm` context inside a Node process of its own, a
 * `LanguageKernel` held like the Python kernel: its own process group, the sandbox's user,
 * wrapper, environment, working directory and rlimits (RLIMIT_CPU, NOFILE and NPROC through
 * `prlimit`), nice 10, and a heap limit. Cell code can reach the process (any host object leads
 * to `process`), so the sandbox, not the vm, is what holds it; a heap runaway or a busy loop costs
 * the host nothing but a pipe.
 *
 * Synchronous loops stop at the vm timeout with the context intact; a cell that will not stop in
 * `graceMs` more, an interrupt and a crash end the process group, and the next cell gets a fresh
 * process (a new generation). Started on first use and kept: a cell costs a round trip on pipes.
 */
export class JavaScriptKernel extends KernelProcess<DriverMessage> implements LanguageKernel {
  /** Why the last process ended between cells: said once, on the next cell, which runs in a fresh one. */
  private diedIdle: string | undefined;

  private readonly heapMb: number;

  constructor(private readonly options: JavaScriptKernelOptions) {
    // V8's heap report may still be in the pipe when "exit" comes: waited for (bounded) to tell a heap runaway.
    super({ language: "JavaScript", messages: driverMessage, maxOutputBytes: options.maxOutputBytes, maxStreamChars: options.maxStreamChars, startTimeoutMs: options.startTimeoutMs, stderrDrainMs: 500 });
    this.heapMb = options.heapMb ?? DEFAULT_JAVASCRIPT_HEAP_MB;
  }

  run(id: string, source: string, deleteFirst: readonly string[]): Stream.Stream<KernelEvent> {
    return seriallyStreamed(this.lock, async (emit, signal) => {
      let rewritten;
      try {
        rewritten = rewriteCell(source);
      } catch (error) {
        return { status: "error", outputs: [], error: `SyntaxError: ${(error as Error).message}` };
      }
      const started = await this.processForCell(signal);
      if ("instead" in started) return started.instead;
      const { child } = started;
      const collected = new OutputCollector(this.maxStreamChars);
      const print = cellPrinter(collected, emit);
      // Capped again here, whatever the driver (which runs cell code) did.
      const add = (output: Output) => limitOutputs([output], this.maxOutputBytes).forEach((limited) => collected.add(limited));
      const restarted = this.diedIdle;
      this.diedIdle = undefined;
      if (restarted) {
        const note = `[${restarted}; this cell runs in a fresh JavaScript kernel, without the names defined before]\n`;
        print("stderr", note);
      }
      return new Promise<KernelRunResult>((resolve) => {
        const finish = (result: KernelRunResult) => {
          clearTimeout(hardStop);
          signal.removeEventListener("abort", abort);
          this.running = undefined;
          resolve(result);
        };
        const kill = (error: string) => {
          this.abandon(child);
          signalGroup(child.pid!, "SIGKILL");
          finish({ status: "error", outputs: collected.outputs, error });
        };
        const abort = () => kill("Interrupted");
        const seconds = this.options.timeoutMs / 1000;
        const hardStop = setTimeout(() => kill(`TimeoutError: cell execution timed out after ${seconds} s (kernel restarted)`), this.options.timeoutMs + (this.options.graceMs ?? 2_000));
        signal.addEventListener("abort", abort, { once: true });
        this.running = {
          onMessage: (message) => {
            if (message.type === "stream") print(message.name, message.text);
            else if (message.type === "done") {
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
          },
          onExit: (error) => finish({ status: "error", outputs: collected.outputs, error }),
        };
        this.send(child, { op: "run", id, code: rewritten.code, hasResult: rewritten.hasResult, isAsync: rewritten.isAsync, straightLine: rewritten.straightLine, delete: deleteFirst, timeoutMs: this.options.timeoutMs });
      });
    });
  }

  /** The driver's command line: under `prlimit` and in the sandbox when there is one, leading its own process group. */
  protected async command(): Promise<SandboxedCommand & { detached: boolean }> {
    const command = await this.sandboxedCommand();
    const shim = await perl();
    if (!shim) return { ...command, detached: true };
    return { ...command, file: shim, args: [...OWN_GROUP, command.file, ...command.args], detached: false };
  }

  private async sandboxedCommand(): Promise<SandboxedCommand> {
    const { sandbox } = this.options;
    const node = [process.execPath, `--max-old-space-size=${this.heapMb}`, "-e", JAVASCRIPT_DRIVER, String(this.maxOutputBytes), String(this.maxStreamChars)];
    if (!sandbox) return { file: node[0]!, args: node.slice(1), cwd: process.cwd(), env: kernelEnvironment() };
    const limits = prlimitArguments(await kernelRlimits(sandbox.sandbox));
    // nice before node starts: Linux priority is per thread, and V8 starts its GC threads first.
    return sandboxedCommand(sandbox.sandbox, await sandbox.workDir(), "prlimit", [...limits, "--", "nice", "-n", "10", ...node]);
  }

  /** Why the kernel ended, in words a cell's author can act on. */
  private exitReason(code: number | null, signal: NodeJS.Signals | null, heapExhausted: boolean): string {
    if (heapExhausted) {
      const setting = this.options.sandbox ? ", KERNEL_MEMORY_MB" : "";
      return `${KERNEL_DIED}: the JavaScript heap limit (${this.heapMb} MB${setting}) was reached; the kernel restarts on the next run`;
    }
    const cpuSeconds = this.options.sandbox?.sandbox.limits.cpuSeconds;
    if (cpuSeconds !== undefined && (signal === "SIGXCPU" || code === SIGXCPU_STATUS)) {
      return `${KERNEL_DIED}: the kernel used its ${cpuSeconds} CPU seconds (KERNEL_CPU_SECONDS) and was stopped; it restarts on the next run`;
    }
    return signal ? `${KERNEL_DIED} (${signal})` : `${KERNEL_DIED} (exit code ${code})`;
  }

  /** Why the process could not start at all. */
  protected startError(file: string, error: Error): Error {
    const user = this.options.sandbox?.sandbox.user;
    // Only root may start a process as another user.
    if (user && errnoCode(error) === "EPERM") return new Error(`The JavaScript kernel cannot start as KERNEL_USER ${user.uid}:${user.gid}: ${error.message} (only a root host can)`);
    if (this.options.sandbox?.sandbox.wrapper.length) return new Error(`The kernel wrapper (KERNEL_WRAPPER) cannot start (${file}): ${error.message}`);
    if (this.options.sandbox) return new Error(`The JavaScript kernel needs prlimit (util-linux) to hold its limits: ${error.message}`);
    return new Error(`Node cannot start (${file}): ${error.message}`);
  }

  protected overlong(head: string, bytes: number): DriverMessage[] {
    const fields = Object.fromEntries([...head.matchAll(/"(type|name)":"(\w+)"/g)].map((match) => [match[1], match[2]]));
    const { type, name } = overlongHead.parse(fields);
    const note = `[output truncated: ${humanBytes(bytes)} > ${humanBytes(this.maxLineBytes)} limit]`;
    if (type === "done") return [{ type, status: "error", error: `Error (message too large to read) ${note}` }];
    if (type === "values") return [{ type, values: {}, missing: [] }];
    return [{ type: "stream", name, text: `${note}\n` }];
  }

  protected exitedBeforeReady(reason: string, early: string): Error {
    return new Error(`JavaScript kernel exited before it was ready (${reason})${early.trim() ? `: ${early.trim().slice(0, 2_048)}` : ""}`);
  }

  /** Per process: once V8 starts its heap report, stderr is that report, not the cell's, and the exit is the heap's. */
  protected watch(): ProcessWatch<DriverMessage> {
    let heapExhausted = false;
    return {
      stderr: (text) => {
        const exhausted = HEAP_EXHAUSTED.exec(text);
        if (exhausted) heapExhausted = true;
        const shown = heapExhausted ? text.slice(0, exhausted?.index ?? 0).trimEnd() : text;
        return shown ? { type: "stream", name: "stderr", text: shown } : undefined;
      },
      exitReason: (code, signal) => this.exitReason(code, signal, heapExhausted),
    };
  }

  protected override onIdleExit(reason: string): void {
    this.diedIdle = `the JavaScript kernel had stopped between cells: ${reason}`;
  }
}
