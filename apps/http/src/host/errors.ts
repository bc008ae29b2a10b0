import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { HttpError } from "koa";
import type * as ApplicationJobs from "@parallax/application/jobs";
import type * as ApplicationNotebook from "@parallax/application/notebook";
import type * as ApplicationReactive from "@parallax/application/reactive";
import type * as ApplicationShared from "@parallax/application/shared";
import type * as ApplicationTracking from "@parallax/application/tracking";
import type * as DomainJobs from "@parallax/domain/jobs";
import type * as DomainNotebook from "@parallax/domain/notebook";
import type * as DomainReactive from "@parallax/domain/reactive";
import type * as DomainShared from "@parallax/domain/shared";
import type * as DomainTracking from "@parallax/domain/tracking";

/** The `_tag` of every error class a module exports (a class whose instances are tagged `Error`s). */
type ErrorTagsOf<Module> = {
  [Name in keyof Module]: Module[Name] extends abstract new (...args: never) => infer Instance
    ? Instance extends Error & { readonly _tag: infer Tag extends string }
      ? Tag
      : never
    : never;
}[keyof Module];

/**
 * Every tagged error the domain and the use cases can raise, read from their barrels: a new
 * error class joins this union by being exported, and the table below stops typechecking until
 * it has a status.
 */
export type ErrorTag =
  | ErrorTagsOf<typeof DomainShared>
  | ErrorTagsOf<typeof DomainNotebook>
  | ErrorTagsOf<typeof DomainReactive>
  | ErrorTagsOf<typeof DomainJobs>
  | ErrorTagsOf<typeof DomainTracking>
  | ErrorTagsOf<typeof ApplicationShared>
  | ErrorTagsOf<typeof ApplicationNotebook>
  | ErrorTagsOf<typeof ApplicationReactive>
  | ErrorTagsOf<typeof ApplicationJobs>
  | ErrorTagsOf<typeof ApplicationTracking>;

/**
 * The one place where domain errors become HTTP statuses. A 5xx is the server's fault: its
 * message stays in the log and the client reads "Internal server error".
 */
export const statusByTag = {
  InvalidInput: 400,
  PreconditionFailed: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  IllegalTransition: 409,
  PayloadTooLarge: 413,
  Unprocessable: 422,
  StorageFailure: 500,
  // A lost compare-and-swap inside the job store: the use case retries it, so one escaping is a fault.
  VersionConflict: 500,
  SpawnFailed: 500,
  VideoDecodeFailed: 500,
  ModelRejected: 500,
  InferenceFailed: 500,
  HomographyRejected: 500,
  FrameEncodeFailed: 500,
  // The chat reports it as an `error` event; one escaping elsewhere is the provider's failure, not the client's.
  LanguageModelFailure: 502,
  // The identity provider's key set could not be fetched: not the client's fault (a 401 would make it drop a good token).
  AuthenticationUnavailable: 503,
} as const satisfies Record<ErrorTag, number>;

/**
 * The 5xx a client may read and retry: its message is chosen for the client (it names no
 * internals) and comes with `Retry-After` (seconds), long enough for one more key set fetch to
 * time out, so clients do not queue behind one that is still pending.
 */
export const retryAfterSByTag: Partial<Record<ErrorTag, number>> = {
  AuthenticationUnavailable: 5,
};

/** What the client is told about a failure it may read (a 4xx, a 5xx thrown with `expose`, or one of `retryAfterSByTag`). */
export interface HttpFailure {
  status: number;
  message: string;
  details?: Record<string, unknown>;
  /** Seconds, for the `Retry-After` header. */
  retryAfterS?: number;
}

function isTagged(error: unknown): error is { _tag: string; message?: string; details?: Record<string, unknown> } {
  return typeof error === "object" && error !== null && typeof (error as { _tag?: unknown })._tag === "string";
}

/**
 * Koa's own errors (`ctx.throw(status, message, { details })`, which sets `expose` below 500) and
 * the tagged errors of the table; `undefined` for anything the client must not read.
 */
export function toHttpFailure(error: unknown): HttpFailure | undefined {
  if (error instanceof HttpError) {
    if (!error.expose) return undefined;
    const details = error["details"] as Record<string, unknown> | undefined;
    return { status: error.status, message: error.message, ...(details ? { details } : {}) };
  }
  if (isTagged(error) && Object.hasOwn(statusByTag, error._tag)) {
    const status: number = statusByTag[error._tag as ErrorTag];
    if (status < 500) return { status, message: error.message ?? error._tag, ...(error.details ? { details: error.details } : {}) };
    const retryAfterS = retryAfterSByTag[error._tag as ErrorTag];
    if (retryAfterS !== undefined) return { status, message: error.message ?? error._tag, retryAfterS };
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
