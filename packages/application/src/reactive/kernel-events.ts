import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type { KernelEvent, KernelRunResult } from "./kernel.port.js";

export interface CollectedRun {
  /** The stdout and stderr chunks in the order the cell printed them. */
  readonly chunks: ReadonlyArray<readonly ["stdout" | "stderr", string]>;
  readonly result: KernelRunResult;
}

/** A kernel run's events folded into its chunks and its result (one-shot callers, tests). */
export function collectRun(events: Stream.Stream<KernelEvent>): Effect.Effect<CollectedRun> {
  const folded = Stream.runFold(
    events,
    () => ({ chunks: [] as Array<readonly ["stdout" | "stderr", string]>, result: undefined as KernelRunResult | undefined }),
    (run, event) => {
      if (event.type === "stream") run.chunks.push([event.name, event.text]);
      else run.result = event.result;
      return run;
    },
  );
  return Effect.flatMap(folded, ({ chunks, result }) => (result ? Effect.succeed({ chunks, result }) : Effect.die(new Error("a kernel run ended without a result"))));
}
