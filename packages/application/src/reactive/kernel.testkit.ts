import { Effect, Stream } from "effect";
import type { Output } from "@parallax/domain/notebook";
import { errorOutput, executeResult, type CellLanguage } from "@parallax/domain/reactive";
import type { Kernel, KernelCell, KernelEvent, KernelRunResult } from "./kernel.port.js";

/**
 * Test support: a Kernel that keeps the port's promises without running code. A cell "runs" by
 * failing with NameError when it reads a name no namespace holds, else binding each name it
 * writes to its own id, printing one line and showing its names as its value; code containing
 * `raise` fails with a two-line traceback. `restart` loses a language's names as a dead
 * process does. It is strict: what it does not model, it refuses loudly.
 */
export class ModelKernel implements Kernel {
  /** Cell ids in the order they ran. */
  readonly runs: string[] = [];
  private readonly namespaces = new Map<CellLanguage, Map<string, string>>();
  private readonly generations = new Map<CellLanguage, number>();

  run(cell: KernelCell): Stream.Stream<KernelEvent> {
    return Stream.suspend(() => {
      const events: KernelEvent[] = [];
      events.push({ type: "result", result: this.runNow(cell, (text) => events.push({ type: "stream", name: "stdout", text })) });
      return Stream.fromIterable(events);
    });
  }

  private runNow(cell: KernelCell, print: (text: string) => void): KernelRunResult {
    this.runs.push(cell.id);
    const namespace = this.namespace(cell.language);
    for (const name of cell.writes) namespace.delete(name);
    const missing = cell.reads.find((name) => this.holder(name) === undefined);
    if (missing !== undefined) return failure(`NameError: name '${missing}' is not defined`);
    if (cell.code.includes("raise")) return failure("ValueError: boom", ["Traceback (most recent call last):", "ValueError: boom"]);
    for (const name of cell.writes) namespace.set(name, cell.id);
    const line = `ran ${cell.id}\n`;
    print(line);
    const outputs: Output[] = [{ output_type: "stream", name: "stdout", text: line }];
    if (cell.writes.length > 0) outputs.push(executeResult({ "text/plain": cell.writes.join(",") }));
    return { status: "success", outputs };
  }

  forget(language: CellLanguage, names: readonly string[]): Effect.Effect<void> {
    return Effect.sync(() => {
      for (const name of names) this.namespace(language).delete(name);
    });
  }

  generation(language: CellLanguage): number {
    return this.generations.get(language) ?? 0;
  }

  setDatabase(): Effect.Effect<void> {
    return Effect.die(new Error("ModelKernel does not model databases"));
  }

  shutdown(): Effect.Effect<void> {
    return Effect.void;
  }

  /** The id of the cell whose run bound `name`, if any namespace holds it. */
  holder(name: string): string | undefined {
    for (const namespace of this.namespaces.values()) if (namespace.has(name)) return namespace.get(name);
    return undefined;
  }

  /** The language's process died and came back empty. */
  restart(language: CellLanguage): void {
    this.namespaces.delete(language);
    this.generations.set(language, this.generation(language) + 1);
  }

  private namespace(language: CellLanguage): Map<string, string> {
    let namespace = this.namespaces.get(language);
    if (!namespace) this.namespaces.set(language, (namespace = new Map()));
    return namespace;
  }
}

function failure(error: string, traceback?: string[]): KernelRunResult {
  return { status: "error", outputs: [errorOutput(error, traceback)], error };
}
