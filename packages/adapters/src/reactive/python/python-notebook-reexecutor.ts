import * as Effect from "effect/Effect";
import { sourceText, type Notebook, type Output } from "@parallax/domain/notebook";
import type { DifferingCell, NotebookReexecutor, ReexecutionReport } from "@parallax/application/notebook";
import { collectRun, runOutputs } from "@parallax/application/reactive";
import { pythonSource } from "./ipython-syntax.js";
import type { KernelSandbox } from "../sandbox/kernel-sandbox.js";
import type { PythonProcess } from "./python-process.js";
import { scratchPythonKernel } from "./scratch-python-kernel.js";

/** Parts of an output that change from run to run and must not fail a comparison (as nbval masks them). */
const VOLATILE: Array<[RegExp, string]> = [
  [/0x[0-9a-fA-F]{4,}/g, "0xADDRESS"],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, "DATETIME"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "UUID"],
  [/\b\d+(\.\d+)?(e[+-]?\d+)?\s?(ns|µs|us|ms|s|sec|secs|seconds)\b/g, "DURATION"],
  [/[ \t]+$/gm, ""],
];

export function maskVolatile(text: string): string {
  let masked = text.replace(/\r\n/g, "\n");
  for (const [pattern, replacement] of VOLATILE) masked = masked.replace(pattern, replacement);
  return masked.trim();
}

/**
 * The comparable text of stored nbformat outputs: stdout, text/plain results, error names.
 * stderr is left out: warnings and tracebacks vary between library versions.
 */
export function storedOutputText(outputs: readonly Output[]): string {
  const parts: string[] = [];
  for (const output of outputs) {
    if (output.output_type === "stream") {
      if (output.name === "stdout") parts.push(sourceText(output.text));
    }
    else if (output.output_type === "error") parts.push(`[${output.ename}]`);
    else {
      const plain = output.data["text/plain"];
      if (plain !== undefined) parts.push(typeof plain === "string" ? plain : Array.isArray(plain) ? plain.join("") : JSON.stringify(plain));
    }
  }
  return maskVolatile(parts.join("\n"));
}

/**
 * nbval-style validation by execution: a fresh python3 kernel runs the notebook's code cells
 * in order and each cell that has stored outputs must produce the same text (stdout, results,
 * error names), volatile parts masked. Cells stored without outputs are run but not compared
 * (they were never executed, so there is nothing to compare with). Images are not compared.
 */
export class PythonNotebookReexecutor implements NotebookReexecutor {
  constructor(
    private readonly pythonBin: string,
    private readonly cellTimeoutMs: number,
    private readonly maxOutputBytes?: number,
    private readonly sandbox?: KernelSandbox,
  ) {}

  reexecute(notebook: Notebook, options: { timeoutMs?: number } = {}): Effect.Effect<ReexecutionReport, never> {
    const timeoutMs = options.timeoutMs ?? this.cellTimeoutMs;
    const kernel = scratchPythonKernel({ pythonBin: this.pythonBin, timeoutMs, privateNames: false, maxOutputBytes: this.maxOutputBytes }, this.sandbox);
    return Effect.scoped(Effect.flatMap(kernel, (kernel) => compare(notebook, kernel)));
  }
}

function compare(notebook: Notebook, kernel: PythonProcess): Effect.Effect<ReexecutionReport> {
  return Effect.gen(function* () {
    const differing: DifferingCell[] = [];
    const log: string[] = [];
    const errors: string[] = [];
    let unexpectedErrors = 0;
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const code = pythonSource(sourceText(cell.source));
      const { chunks, result } = yield* collectRun(kernel.run(`${index}`, code, []));
      for (const [name, text] of chunks) if (name === "stderr") errors.push(text);
      const expectedError = cell.outputs.some((output) => output.output_type === "error");
      if (result.status === "error" && !expectedError) {
        unexpectedErrors++;
        errors.push(`cell ${index}: ${result.error}\n`);
      }
      const compared = cell.outputs.length > 0;
      const expected = storedOutputText(cell.outputs);
      const actual = storedOutputText(runOutputs(result, null).outputs);
      const same = !compared || expected === actual;
      if (!same) differing.push({ cell_index: index, expected, actual });
      log.push(`cell ${index}: ${!compared ? "RAN" : same ? "PASSED" : "FAILED"}${result.status === "error" ? ` (${result.error})` : ""}`);
    }
    const success = differing.length === 0 && unexpectedErrors === 0;
    log.push(`${differing.length === 0 ? "outputs match" : `${differing.length} cell(s) differ`}; ${unexpectedErrors} unexpected error(s)`);
    return { success, stdout: `${log.join("\n")}\n`, stderr: errors.join(""), return_code: success ? 0 : 1, differing_cells: differing };
  });
}
