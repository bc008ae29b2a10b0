import { Effect, type Semaphore } from "effect";

/**
 * One request to a kernel (a process, a worker, a database connection) as an effect, one at a
 * time under `lock`, in call order. Interrupting it aborts the request and waits until it has
 * settled, so the permit passes on only once the kernel is idle again: the next request never
 * meets the previous one's messages. The request's own failures are defects: a kernel reports
 * a cell's failure as a result.
 */
export function serially<A>(lock: Semaphore.Semaphore, request: (signal: AbortSignal) => Promise<A>): Effect.Effect<A> {
  return lock.withPermit(
    Effect.callback<A>((resume) => {
      const controller = new AbortController();
      const settled = request(controller.signal).then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => resume(Effect.die(error)),
      );
      return Effect.promise(() => {
        controller.abort();
        return settled;
      });
    }),
  );
}
