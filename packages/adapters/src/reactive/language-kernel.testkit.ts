/**
 * Test support for the language kernels: `runCell` (one cell's run as tests look at it) and
 * `languageKernelContract`, the behaviour every `LanguageKernel` keeps, run once per kernel
 * (the Python process and the JavaScript process) with that language's spelling of each cell.
 */
import { Effect, Stream } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { viewOfOutputs } from "@parallax/domain/reactive";
import { collectRun } from "@parallax/application/reactive";
import type { LanguageKernel } from "./language-kernel.js";

export interface CellOptions {
  readonly id?: string;
  readonly deleteFirst?: readonly string[];
  /** Aborting it interrupts the run's consumer (and so the cell). */
  readonly signal?: AbortSignal;
  /** Each chunk as it arrives, before the run ends. */
  readonly onChunk?: (stream: "stdout" | "stderr", text: string) => void;
}

/** The run's result with its streams joined, its chunks, and the editor's view of its outputs. */
export async function runCell(kernel: LanguageKernel, code: string, options: CellOptions = {}) {
  const events = kernel.run(options.id ?? "t", code, options.deleteFirst ?? []).pipe(
    Stream.tap((event) => Effect.sync(() => event.type === "stream" && options.onChunk?.(event.name, event.text))),
  );
  const { chunks, result } = await Effect.runPromise(collectRun(events), { signal: options.signal });
  const joined = (name: "stdout" | "stderr") => chunks.flatMap(([stream, text]) => (stream === name ? [text] : [])).join("");
  return { ...result, chunks: chunks.map(([, text]) => text), stdout: joined("stdout"), stderr: joined("stderr"), shown: viewOfOutputs(result.outputs).outputs };
}

/** How a language spells the cells of the contract. */
export interface KernelDialect {
  /** Binds `name` to a number or a string. */
  assign(name: string, value: number | string): string;
  /** Prints `text` and a newline to stdout, or to stderr. */
  print(text: string, stream?: "stdout" | "stderr"): string;
  /** Raises an error named `ename` with the message `boom`. */
  readonly raise: { readonly code: string; readonly ename: string };
  /** The error of a cell that reads `name` where nothing defines it. */
  notDefined(name: string): string;
  /** Prints `started` and then waits, forever, without holding the kernel's thread. */
  readonly waitForever: string;
  /** Holds the kernel's thread until the time limit stops it. */
  readonly spin: string;
}

/** The contract, on kernels made with a 1 s time limit (closed after the suite). */
export function languageKernelContract(name: string, dialect: KernelDialect, make: (options: { timeoutMs: number }) => LanguageKernel, skip = false): void {
  describe.skipIf(skip)(`${name}: the language kernel contract`, () => {
    const kernel = make({ timeoutMs: 1_000 });
    afterAll(() => kernel.close());
    const run = (code: string, options?: CellOptions) => runCell(kernel, code, options);

    it("keeps one namespace across cells; prints arrive as chunks and stay as stream outputs; the last value is a result", async () => {
      const printed = await run(`${dialect.assign("base", 40)}\n${dialect.print("hello")}\n${dialect.print("careful", "stderr")}`);
      expect(printed).toMatchObject({ status: "success", chunks: ["hello\n", "careful\n"], stdout: "hello\n", stderr: "careful\n" });
      expect(printed.outputs).toEqual([
        { output_type: "stream", name: "stdout", text: "hello\n" },
        { output_type: "stream", name: "stderr", text: "careful\n" },
      ]);
      expect((await run("base + 2")).outputs).toEqual([{ output_type: "execute_result", execution_count: null, data: { "text/plain": "42" }, metadata: {} }]);
    });

    it("reports a failure as its result: `Name: message` and an error output", async () => {
      const failed = await run(dialect.raise.code);
      expect(failed).toMatchObject({ status: "error", error: `${dialect.raise.ename}: boom` });
      expect(failed.outputs).toMatchObject([{ output_type: "error", ename: dialect.raise.ename, evalue: "boom" }]);
      expect((await run("nowhere")).error).toBe(dialect.notDefined("nowhere"));
    });

    it("deletes the names it is told to forget, and a cell's names before the cell runs again", async () => {
      await run(dialect.assign("gone", 1));
      kernel.forget(["gone"]);
      expect((await run("gone")).error).toBe(dialect.notDefined("gone"));
      await run(dialect.assign("again", 1));
      expect((await run("again", { deleteFirst: ["again"] })).error).toBe(dialect.notDefined("again"));
    });

    it("hands values over as JSON and lists the names nothing defines", async () => {
      await run(`${dialect.assign("n", 3)}\n${dialect.assign("s", "x")}`);
      expect(await Effect.runPromise(kernel.values(["n", "s", "missing"]))).toEqual({ values: { n: 3, s: "x" }, missing: ["missing"] });
    });

    it("stops a cell at its time limit and keeps answering", async () => {
      expect((await run(dialect.spin)).error).toMatch(/^TimeoutError: cell execution timed out after 1 s/);
      expect((await run("1 + 1")).shown[0]?.data).toBe("2");
    });

    it("interrupting the run's consumer interrupts the cell, once the kernel is idle again, and the kernel keeps answering", async () => {
      const controller = new AbortController();
      const running = run(dialect.waitForever, { signal: controller.signal, onChunk: (_stream, text) => text.includes("started") && controller.abort() });
      await expect(running).rejects.toThrow();
      expect((await run("1 + 1")).shown[0]?.data).toBe("2");
    });
  });
}
