import type { ErrorOutput, Output } from "@parallax/domain/notebook";
import {
  MAX_STREAM_CHARS,
  OutputCollector,
  editorOutputs,
  errorMessage,
  errorOutput,
  noteTruncatedTables,
  tracebackText,
  type CellOutput,
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
  /** The traceback as text for the editor's stdout (empty when it only repeats the message). */
  readonly traceback: string;
  /** One §B output per display, in order. */
  readonly shown: CellOutput[];
}

export function recordRun(executionCount: number, result: KernelRunResult, maxStreamChars: number): RecordedRun {
  const { outputs: ran, failure } = runOutputs(result, executionCount, maxStreamChars);
  const outputs = noteTruncatedTables(ran);
  return {
    outputs,
    error: failure ? errorMessage(failure) : null,
    traceback: failure ? tracebackText(failure) : "",
    shown: editorOutputs(outputs),
  };
}
