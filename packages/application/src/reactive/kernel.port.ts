import type * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import type { Output } from "@parallax/domain/notebook";
import type { CellLanguage } from "@parallax/domain/reactive";

export interface KernelCell {
  readonly id: string;
  readonly language: CellLanguage;
  readonly code: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

export interface KernelRunResult {
  readonly status: "success" | "error";
  /**
   * What the cell showed, in order, as Jupyter stores it: `stream` outputs (the chunks also sent
   * as `stream` events while it ran), one `display_data` per display with all its mime types, an `execute_result`
   * for the last value (its `execution_count` left null: the session numbers runs), and an `error`
   * with the traceback when the cell raised.
   */
  readonly outputs: readonly Output[];
  /** `Name: message` for a raised exception, `kernel died`, or the timeout message. */
  readonly error?: string;
}

/** What a running cell sends: its stdout and stderr chunks as they come, then its result, last. */
export type KernelEvent =
  | { readonly type: "stream"; readonly name: "stdout" | "stderr"; readonly text: string }
  | { readonly type: "result"; readonly result: KernelRunResult };

/**
 * The execution engine of one notebook (Python, SQL and JavaScript behind one face).
 * `run` is a stream that never fails: a cell's failure is a result, its last event. Interrupting
 * the fiber that consumes it interrupts the cell, and the interruption completes only once the
 * kernel is idle again. A per-cell timeout is the adapter's to enforce (an error result).
 */
export interface Kernel {
  run(cell: KernelCell): Stream.Stream<KernelEvent>;
  /** Removes names a cell defined (the cell was deleted or no longer defines them). */
  forget(language: CellLanguage, names: readonly string[]): Effect.Effect<void>;
  /**
   * Changes whenever a language's state is lost (its process restarted, its context reset, its
   * database replaced): what cells defined before is gone and must be run again.
   */
  generation(language: CellLanguage): number;
  /** SQL cells go to PostgreSQL when set, to the in-process DuckDB otherwise. */
  setDatabase(connectionString: string | null): Effect.Effect<void>;
  shutdown(): Effect.Effect<void>;
}

export interface KernelOptions {
  readonly notebookId: string;
  readonly dbConnString: string | null;
}

/** One kernel per open notebook. */
export interface KernelFactory {
  create(options: KernelOptions): Kernel;
  /** Removes what kernels kept for a deleted notebook (its working directory), after its kernel shut down. */
  discard?(notebookId: string): Effect.Effect<void>;
}
export const KernelFactory = Symbol.for("parallax.KernelFactory");

