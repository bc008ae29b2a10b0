import { Effect, Queue, Stream } from "effect";
import type { KernelEvent, KernelRunResult, KernelStream } from "./kernel.port.js";

/** A kernel run's events, collected: its chunks in order and its result (tests, one-shot callers). */
export function collectRun(events: Stream.Stream<KernelEvent>): Effect.Effect<{ readonly chunks: ReadonlyArray<readonly ["stdout" | "stderr", string]>; readonly result: KernelRunResult }> {
  return Effect.suspend(() => {
    const chunks: Array<readonly ["stdout" | "stderr", string]> = [];
    let result: KernelRunResult | undefined;
    return Stream.runForEach(events, (event) =>
      Effect.sync(() => {
        if (event.type === "stream") chunks.push([event.name, event.text]);
        else result = event.result;
      }),
    ).pipe(Effect.flatMap(() => (result ? Effect.succeed({ chunks, result }) : Effect.die(new Error("a kernel run ended without a result")))));
  });
}

/** The stream a callback-style run makes: every chunk as it comes, then the result; interrupting it interrupts `run`. */
export function kernelEvents(run: (onStream: KernelStream) => Effect.Effect<KernelRunResult>): Stream.Stream<KernelEvent> {
  return Stream.callback<KernelEvent>((queue) =>
    run((name, text) => void Queue.offerUnsafe(queue, { type: "stream", name, text })).pipe(
      Effect.flatMap((result) => Effect.andThen(Queue.offer(queue, { type: "result", result }), Queue.end(queue))),
    ),
  );
}
