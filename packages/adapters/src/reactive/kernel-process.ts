import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as Semaphore from "effect/Semaphore";
import type * as Effect from "effect/Effect";
import type { z } from "zod";
import type { OutputCollector } from "@parallax/domain/reactive";
import type { KernelRunResult } from "@parallax/application/reactive";
import { signalGroup, stopProcessGroup } from "../shared/process-group.js";
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STREAM_CHARS } from "./output-limits.js";
import type { NamedValues } from "./language-kernel.js";
import type { SandboxedCommand } from "./sandbox/kernel-sandbox.js";
import { serially, type EmitChunk } from "./serially.js";
import { ProtocolLines, parseLine, streamsJoined } from "./protocol-lines.js";

/** The request the process is answering now: its driver's messages and the process's end go to it. */
export interface RunningRequest<M> {
  onMessage(message: M): void;
  onExit(error: string): void;
}

/** A cell's printing: each chunk kept for the cell's result and handed on at once to whoever watches the run. */
export function cellPrinter(collected: OutputCollector, emit: EmitChunk): EmitChunk {
  return (name, text) => {
    collected.stream(name, text);
    emit(name, text);
  };
}

/** What a driver answers a `get`: the values it could hand over and the names it does not define. */
interface ValuesMessage {
  type: "values";
  values: Record<string, unknown>;
  missing: string[];
}

function isValues(message: { type: string }): message is ValuesMessage {
  return message.type === "values";
}

/** What one process is watched for while it lives (state a kernel keeps per process, e.g. a heap report seen). */
export interface ProcessWatch<M> {
  /** The message a chunk the process wrote below its driver (to its own stderr) makes for the running request, if any. */
  stderr(text: string): M | undefined;
  /** Why the process ended, in words a cell's author can act on. */
  exitReason(code: number | null, signal: NodeJS.Signals | null): string;
}

/** What a kernel tells its process at construction; the rest of what differs are the abstract methods. */
export interface KernelProcessOptions<M> {
  /** Names the kernel in its start errors ("Python kernel did not start"). */
  language: string;
  /** Every line the driver writes, `ready` (its first) included. */
  messages: z.ZodType<M>;
  maxOutputBytes?: number;
  maxStreamChars?: number;
  startTimeoutMs?: number;
  /**
   * How long to wait, after "exit", for the rest of stderr before the exit is reported (a report
   * the runtime writes on its way out may still be in the pipe). Unset: reported at once.
   */
  stderrDrainMs?: number;
}

/** Which message says the driver is up (both drivers send it first, once). */
interface ReadyMessage {
  type: "ready";
}

function isReady(message: { type: string }): message is ReadyMessage {
  return message.type === "ready";
}

/**
 * A language kernel's long-lived child process speaking JSON lines: started on first use, one
 * request at a time on `lock`, the request answering now in `running`, replaced by a fresh
 * process (a new generation) once it ends. The Python and the JavaScript kernel both extend it;
 * what differs (command, messages, words for errors) are its abstract methods.
 *
 * The process ends with its whole process group (closing, a crash): whatever a cell started
 * goes with it. Protocol lines are read with a byte cap, and a kernel caps outputs again,
 * whatever the driver (which runs cell code) did.
 */
export abstract class KernelProcess<M extends { type: string }> {
  /** The request the process answers now; set and cleared by whoever holds `lock`. */
  protected running: RunningRequest<M> | undefined;
  protected readonly lock = Semaphore.makeUnsafe(1);
  protected readonly maxOutputBytes: number;
  protected readonly maxStreamChars: number;
  /** One line holds an output (a bundle of capped values) plus small fields; stream chunks are 64 Ki characters at most. */
  protected readonly maxLineBytes: number;
  private readonly language: string;
  private readonly messages: z.ZodType<M>;
  private readonly startTimeoutMs: number;
  private readonly stderrDrainMs: number | undefined;
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private closed = false;
  private exits = 0;

  constructor(options: KernelProcessOptions<M>) {
    this.language = options.language;
    this.messages = options.messages;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.maxStreamChars = options.maxStreamChars ?? DEFAULT_MAX_STREAM_CHARS;
    this.maxLineBytes = Math.max(2 * this.maxOutputBytes, 1024 * 1024) + 64 * 1024;
    this.startTimeoutMs = options.startTimeoutMs ?? 15_000;
    this.stderrDrainMs = options.stderrDrainMs;
  }

  /** The command line; `detached` makes the process lead a process group (and a session) of its own. */
  protected abstract command(): Promise<SandboxedCommand & { detached: boolean }>;
  /** A line longer than `maxLineBytes` (a cell wrote to the protocol itself), read as the messages it started. */
  protected abstract overlong(head: string, bytes: number): M[];
  /** Why the command could not be spawned at all. */
  protected abstract startError(file: string, error: Error): Error;
  /** Why the process ended before its driver said `ready`; `early` is what it wrote to stderr until then. */
  protected abstract exitedBeforeReady(reason: string, early: string): Error;
  /** A new process's watch, kept while it lives. */
  protected abstract watch(): ProcessWatch<M>;

  /** The process ended while no request was running (the next one runs in a fresh process). */
  protected onIdleExit(_reason: string): void {}

  get started(): boolean {
    return this.child !== undefined;
  }

  /** Changes when the process is replaced: the names cells defined in it are gone. */
  get generation(): number {
    return this.exits;
  }

  /** The kernel's process id (tests kill it to prove recovery). */
  pid(): number | undefined {
    return this.child?.pid;
  }

  /** The running process, started (and awaited until `ready`) when there is none. */
  private ensureStarted(): Promise<ChildProcessWithoutNullStreams> {
    if (this.closed) return Promise.reject(new Error("kernel is shut down"));
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * The process a cell is to run in, or the result the cell gets instead: the kernel could not
   * start, or the run was interrupted while it started (the cell never runs).
   */
  protected async processForCell(signal: AbortSignal): Promise<{ child: ChildProcessWithoutNullStreams } | { instead: KernelRunResult }> {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = await this.ensureStarted();
    } catch (error) {
      return { instead: { status: "error", outputs: [], error: (error as Error).message } };
    }
    if (signal.aborted) return { instead: { status: "error", outputs: [], error: "Interrupted" } };
    return { child };
  }

  /** One request as a JSON line; a dead kernel's closed pipe drops it (its end is reported through "exit"). */
  protected send(child: ChildProcessWithoutNullStreams, request: unknown): void {
    if (child.stdin.writable) child.stdin.write(`${JSON.stringify(request)}\n`);
  }

  /**
   * Current values of `names` as JSON (for SQL parameters); names not defined are `missing`,
   * names in neither list were too large to hand over. Without a process (none started, or it
   * died) every name is missing.
   */
  values(names: readonly string[]): Effect.Effect<NamedValues> {
    return serially(this.lock, async () => {
      const child = this.child;
      if (!child) return { values: {}, missing: [...names] };
      return new Promise((resolve) => {
        this.running = {
          onMessage: (message) => {
            if (!isValues(message)) return;
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

  /**
   * The process no longer holds the notebook's names (its caller is killing it): the next
   * request starts a fresh one, and its exit, when it comes, is no one's to report.
   */
  protected abandon(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.running = undefined;
    this.exits++;
  }

  /** Stops the kernel and everything it started; resolves once the whole group is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child ?? (await this.starting?.catch(() => undefined));
    if (!child?.pid) return;
    child.stdin.end();
    await stopProcessGroup(child.pid, 2_000);
  }

  private async start(): Promise<ChildProcessWithoutNullStreams> {
    const command = await this.command();
    return new Promise((resolve, reject) => {
      const { file, args, ...options } = command;
      const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
      const watch = this.watch();
      let ready = false;
      /** What the command said before the driver was ready (a wrapper or prlimit that could not start). */
      let early = "";
      const killGroup = () => child.pid !== undefined && signalGroup(child.pid, "SIGKILL");
      const startTimer = setTimeout(() => {
        killGroup();
        reject(new Error(`${this.language} kernel did not start`));
      }, this.startTimeoutMs);
      child.once("error", (error) => {
        clearTimeout(startTimer);
        if (!ready) reject(this.startError(file, error));
      });
      child.stdin.on("error", () => {
        // A dead kernel's closed pipe: reported through "exit" as `kernel died`.
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        // Written below the driver's streams (the runtime's own reports, C extensions, processes a cell started).
        if (!ready && early.length < 2_048) early += text;
        const message = watch.stderr(text);
        if (message && this.running && this.child === child) this.running.onMessage(message);
      });
      const messages = streamsJoined<M>((message) => this.running?.onMessage(message));
      const lines = new ProtocolLines(
        this.maxLineBytes,
        (line) => {
          const parsed = parseLine(line, this.messages);
          if (!parsed) return;
          if (!isReady(parsed)) return messages.push(parsed);
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
        // Whatever the kernel started outlives it otherwise.
        killGroup();
        let reported = false;
        const report = () => {
          if (reported) return;
          reported = true;
          clearTimeout(stderrWait);
          const reason = watch.exitReason(code, signal);
          if (!ready) reject(this.exitedBeforeReady(reason, early));
          if (this.child !== child) return;
          const running = this.running;
          this.abandon(child);
          if (running) running.onExit(reason);
          else this.onIdleExit(reason);
        };
        const drainMs = this.stderrDrainMs;
        // A process that left the group and holds the pipe must not keep the request waiting, hence the bound.
        const stderrWait = drainMs === undefined ? undefined : setTimeout(report, drainMs);
        if (drainMs === undefined || child.stderr.readableEnded) report();
        else child.stderr.once("end", report);
      });
    });
  }
}
