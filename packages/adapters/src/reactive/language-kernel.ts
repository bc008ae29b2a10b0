import type * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import type { KernelEvent } from "@parallax/application/reactive";

/** The JSON values of named definitions (SQL placeholders); a name in neither list was too large to hand over. */
export interface NamedValues {
  readonly values: Record<string, unknown>;
  readonly missing: string[];
}

/**
 * What the Python and JavaScript kernel processes both are: one language's namespace, kept
 * across cells, answering one request at a time in call order. Its contract is tested once for
 * both (`language-kernel.testkit.ts`). SQL is not one: it binds names, it defines none.
 */
export interface LanguageKernel {
  /** Whether its process runs now (a kernel never started holds no names). */
  readonly started: boolean;
  /** Changes whenever its state is lost (the process exited, the context was reset). */
  readonly generation: number;
  /**
   * Runs a cell after deleting `deleteFirst`: its stdout and stderr chunks as they come, then its
   * result, last; a failure is a result. Interrupting the consumer interrupts the cell, and the
   * interruption ends once the kernel is idle again.
   */
  run(id: string, code: string, deleteFirst: readonly string[]): Stream.Stream<KernelEvent>;
  values(names: readonly string[]): Effect.Effect<NamedValues>;
  /** Deletes names after whatever runs now (a deleted cell's definitions). */
  forget(names: readonly string[]): void;
  /** Ends the process and everything it started. */
  close(): Promise<void>;
}
