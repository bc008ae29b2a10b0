import { Cause, Effect, Exit } from "effect";

/**
 * The one place where domain errors become HTTP statuses. Capabilities that add tagged
 * errors register their status here so every route answers them the same way.
 */
const statusByTag: Record<string, number> = {
  InvalidInput: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  Unprocessable: 422,
  StorageFailure: 500,
};

export function registerErrorStatus(tag: string, status: number): void {
  statusByTag[tag] = status;
}

export interface HttpFailure {
  status: number;
  message: string;
  details?: Record<string, unknown>;
}

/** An error that already knows its status (thrown by the host's own edge code). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function toHttpFailure(error: unknown): HttpFailure | undefined {
  if (error instanceof HttpError) return { status: error.status, message: error.message, ...(error.details ? { details: error.details } : {}) };
  if (error && typeof error === "object" && "_tag" in error) {
    const tagged = error as { _tag: string; message?: string; details?: Record<string, unknown> };
    const status = statusByTag[tagged._tag];
    if (status !== undefined && status < 500) {
      return { status, message: tagged.message ?? tagged._tag, ...(tagged.details ? { details: tagged.details } : {}) };
    }
  }
  return undefined;
}

/** §A answers `{error}`; §B–§D (FastAPI origins) answer `{detail}`. */
export type ErrorShape = "error" | "detail";

export function errorShapeForPath(path: string): ErrorShape {
  return path.startsWith("/api") || path.startsWith("/ws") ? "detail" : "error";
}

export function errorBody(shape: ErrorShape, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { [shape]: message, ...(details ?? {}) };
}

/** Runs a use case; a typed failure is thrown as-is so the error middleware maps it. */
export async function runUseCase<A, Err>(program: Effect.Effect<A, Err>): Promise<A> {
  const exit = await Effect.runPromiseExit(program);
  if (Exit.isSuccess(exit)) return exit.value;
  const failure = Cause.findErrorOption(exit.cause);
  if (failure._tag === "Some") throw failure.value;
  throw new Error(Cause.pretty(exit.cause));
}
