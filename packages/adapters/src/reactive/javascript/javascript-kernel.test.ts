import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { languageKernelContract, runCell, type KernelDialect } from "../language-kernel.testkit.js";
import { JavaScriptKernel } from "./javascript-kernel.js";

const javascript: KernelDialect = {
  assign: (name, value) => `const ${name} = ${JSON.stringify(value)};`,
  print: (text, stream = "stdout") => `console.${stream === "stderr" ? "error" : "log"}(${JSON.stringify(text)});`,
  raise: { code: "throw new Error('boom')", ename: "Error" },
  notDefined: (name) => `ReferenceError: ${name} is not defined`,
  waitForever: "console.log('started'); await new Promise(() => {})",
  spin: "while (true) {}",
};

languageKernelContract("JavaScriptKernel", javascript, ({ timeoutMs }) => new JavaScriptKernel({ timeoutMs, graceMs: 1_000 }));

describe("JavaScriptKernel", () => {
  const kernel = new JavaScriptKernel({ timeoutMs: 1_000, graceMs: 1_000 });
  afterAll(() => kernel.close());
  const run = (code: string, signal?: AbortSignal) => runCell(kernel, code, { signal });

  it("shows a last value shaped as a table as a table", async () => {
    expect((await run("({ type: 'table', columns: ['a'], rows: [[1]] })")).shown[0]?.mime_type).toBe("application/json");
  });

  it("runs cells with top-level await, timers included", async () => {
    const result = await run("const later = await new Promise((resolve) => setTimeout(() => resolve(5), 10));\nconsole.log('got', later);\nlater * 2");
    expect(result).toMatchObject({ status: "success", stdout: "got 5\n", shown: [{ data: "10" }] });
    expect((await run("later")).shown[0]?.data).toBe("5");
  });

  it("gives an error the cell's own stack, rejected promises included, and hands functions over as their source", async () => {
    const failed = await run("null.x");
    expect(failed.error).toMatch(/^TypeError: /);
    const traceback = failed.outputs[0]?.output_type === "error" ? failed.outputs[0].traceback : [];
    expect(traceback.slice(-2)).toEqual(["TypeError: Cannot read properties of null (reading 'x')", "    at cell-t.js:1:6"]);
    expect((await run("await Promise.reject(new RangeError('nope'))")).error).toBe("RangeError: nope");
    await run("const shared = { n: 1 }; const fn = () => 1;");
    expect(await Effect.runPromise(kernel.values(["shared", "fn"]))).toEqual({ values: { shared: { n: 1 }, fn: "() => 1" }, missing: [] });
  });

  it("stops a never-settling promise at the timeout, keeping the context", async () => {
    await run("const kept = 1;");
    expect((await run("await new Promise(() => {})")).error).toBe("TimeoutError: cell execution timed out after 1 s");
    expect((await run("kept")).shown[0]?.data).toBe("1");
  });

  it("is reset by an interrupt (a new generation) and keeps answering", async () => {
    const controller = new AbortController();
    const generation = kernel.generation;
    const running = run("await new Promise(() => {})", controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toThrow();
    expect(kernel.generation).not.toBe(generation);
    expect((await run("1 + 1")).shown[0]?.data).toBe("2");
  });

  it("ends the timers a cell left running when the kernel is reset", async () => {
    await run("setInterval(() => console.log('tick'), 5);");
    expect((await run("await new Promise((resolve) => setTimeout(resolve, 100))")).stdout).toContain("tick");
    const controller = new AbortController();
    const running = run("await new Promise(() => {})", controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toThrow();
    expect((await run("await new Promise((resolve) => setTimeout(resolve, 100))")).stdout).toBe("");
  });
});

describe("JavaScriptKernel output caps", () => {
  const kernel = new JavaScriptKernel({ timeoutMs: 10_000, maxOutputBytes: 4096, maxStreamChars: 10_000 });
  afterAll(() => kernel.close());

  it("caps text, tables and the console in the kernel's process, and keeps large values from SQL", async () => {
    const run = (code: string) => runCell(kernel, code);
    const text = await run("'x'.repeat(5_000_000)");
    expect(text.outputs).toEqual([{ output_type: "execute_result", execution_count: null, data: { "text/plain": expect.stringMatching(/^x+\n\[output truncated: 4.8 MiB > 4 KiB limit\]$/) }, metadata: {} }]);
    const table = await run("({ type: 'table', columns: ['s'], rows: Array.from({ length: 1000 }, () => ['y'.repeat(100)]) })");
    expect(table.outputs).toEqual([{ output_type: "execute_result", execution_count: null, data: { "text/plain": "[output not shown: application/json 102.6 KiB > 4 KiB limit]" }, metadata: {} }]);
    const failed = await run("throw new Error('e'.repeat(100_000))");
    expect(failed.error).toMatch(/^Error: e+\n\[output truncated: 97.7 KiB > 4 KiB limit\]$/);
    expect(failed.outputs).toMatchObject([{ output_type: "error", ename: "Error" }]);
    expect(Buffer.byteLength(JSON.stringify(failed.outputs))).toBeLessThan(3 * 4096);
    const printed = await run("for (let i = 0; i < 100_000; i++) console.log('z'.repeat(99))");
    expect(printed.stdout).toBe(`${"z".repeat(99)}\n`.repeat(100) + "\n[output truncated at 10000 characters]\n");
    expect(printed.outputs).toEqual([{ output_type: "stream", name: "stdout", text: printed.stdout }]);
    await run("globalThis.small = 1; globalThis.big = 'b'.repeat(10_000)");
    expect(await Effect.runPromise(kernel.values(["small", "big", "nope"]))).toEqual({ values: { small: 1 }, missing: ["nope"] });
  });
});
