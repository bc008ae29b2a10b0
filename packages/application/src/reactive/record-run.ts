import type { ErrorOutput, Output } from "@parallax/domain/notebook";
import {
  MAX_STREAM_CHARS,
  OutputCollector,
  editorOutput,
  errorMessage,
  errorOutput,
  tracebackText,
  type NotebookEvent,
} from "@parallax/domain/reactive";
import type { KernelRunResult } from "./kernel.port.js";

/**
 * A finished run as Jupyter stores it: the kernel's outputs in order (streams capped), the last
 * value numbered with the run's execution count, and one `error` output when the run failed,
 * named as the kernel reported it. A timeout interrupts the cell, so the traceback the kernel
 * gives shows where it was stopped while the name says why; a dead kernel gives none.
 */
export function runOutputs(result: KernelRunResult, executionCount: number | null, maxStreamChars = MAX_STREAM_CHARS): { outputs: Output[]; failure?: ErrorOutput } {
  const outputs = OutputCollector.of(result.outputs, maxStreamChars).map((output) =>
    output.output_type === "execute_result" ? { ...output, execution_count: executionCount } : output,
  );
  if (result.status === "success") return { outputs };
  const at = outputs.findIndex((output) => output.output_type === "error");
  const raised = at >= 0 ? (outputs[at] as ErrorOutput) : undefined;
  const error = result.error ?? (raised ? errorMessage(raised) : "Error");
  const failure = raised && errorMessage(raised) === error ? raised : errorOutput(error, raised?.traceback);
  if (at >= 0) outputs[at] = failure;
  else outputs.push(failure);
  return { outputs, failure };
}

export interface RecordedRun {
  /** The cell's new nbformat outputs. */
  readonly outputs: Output[];
  /** `Name: message` when the run failed. */
  readonly error: string | null;
  /** What the editor still has to hear after the live stream chunks: the traceback, then one `cell_output` per display. */
  readonly events: NotebookEvent[];
}

export function recordRun(cellId: string, executionCount: number, result: KernelRunResult, maxStreamChars: number): RecordedRun {
  const { outputs, failure } = runOutputs(result, executionCount, maxStreamChars);
  const events: NotebookEvent[] = [];
  const traceback = failure ? tracebackText(failure) : "";
  if (traceback) events.push({ type: "cell_stdout", cellId, data: traceback });
  for (const output of outputs) {
    if (output.output_type !== "execute_result" && output.output_type !== "display_data") continue;
    const shown = editorOutput(output.data, output.metadata);
    if (shown) events.push({ type: "cell_output", cellId, output: shown });
  }
  return { outputs, error: failure ? errorMessage(failure) : null, events };
}
