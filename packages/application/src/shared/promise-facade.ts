import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";

/**
 * The plain-Promise face of the library, for users who don't use Effect.
 * A failure with a `_tag` becomes a `ParallaxError` carrying that tag, so callers can
 * branch on `err.tag` without knowing Effect; aborting `signal` interrupts the program.
 */
export class ParallaxError extends Error {
  constructor(
    readonly tag: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = `ParallaxError(${tag})`;
  }
}

export async function runAsPromise<A, E>(
  program: Effect.Effect<A, E>,
  options: { signal?: AbortSignal } = {},
): Promise<A> {
  const exit = await Effect.runPromiseExit(program, options.signal ? { signal: options.signal } : undefined);
  if (Exit.isSuccess(exit)) return exit.value;
  throw toParallaxError(exit.cause);
}

export function toParallaxError<E>(cause: Cause.Cause<E>): Error {
  const failure = Cause.findErrorOption(cause);
  if (failure._tag === "Some") {
    const error = failure.value as { _tag?: unknown; message?: unknown };
    if (error && typeof error === "object" && typeof error._tag === "string") {
      return new ParallaxError(error._tag, String(error.message ?? error._tag), error);
    }
    return failure.value instanceof Error ? failure.value : new Error(String(failure.value));
  }
  if (Cause.hasInterrupts(cause)) return new ParallaxError("Interrupted", "The operation was cancelled");
  return new Error(Cause.pretty(cause));
}

/** A program started by `runInBackground`: `done` resolves once it ended, however it ended. */
export interface Background {
  readonly done: Promise<Exit.Exit<unknown, unknown>>;
}

/**
 * Starts `program` now, in the background, for Promise users of a long-running service (a
 * job worker's `start()`); the service itself stays an Effect program that ends when asked.
 */
export function runInBackground(program: Effect.Effect<unknown, unknown>): Background {
  const fiber = Effect.runFork(program);
  return { done: new Promise((resolve) => fiber.addObserver(resolve)) };
}
