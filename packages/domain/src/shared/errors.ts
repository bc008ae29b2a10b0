import * as Data from "effect/Data";

/**
 * The error vocabulary every capability shares. Each is a value with a `_tag`;
 * the HTTP host maps tags to status codes in one place (apps/http/src/host/errors.ts).
 * A capability may add its own tagged errors: exported from its barrel, they must be given a
 * status in that table before the host typechecks.
 */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{ readonly message: string }> {}
export class NotFound extends Data.TaggedError("NotFound")<{ readonly message: string }> {}
export class Conflict extends Data.TaggedError("Conflict")<{
  readonly message: string;
  readonly details?: Record<string, unknown>;
}> {}
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly message: string }> {}
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly message: string }> {}
/**
 * A credential that could not be judged because something the verification depends on is down
 * (the identity provider's key set could not be fetched): the server's trouble, so the client is
 * told to retry rather than to sign in again.
 */
export class AuthenticationUnavailable extends Data.TaggedError("AuthenticationUnavailable")<{ readonly message: string }> {}
export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly message: string }> {}
/** Input that is well-formed but semantically unacceptable (FastAPI-style 422). */
export class Unprocessable extends Data.TaggedError("Unprocessable")<{ readonly message: string }> {}
/** A technology failed underneath a port (disk full, network, corrupt store). */
export class StorageFailure extends Data.TaggedError("StorageFailure")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

export type DomainError =
  | InvalidInput
  | NotFound
  | Conflict
  | PayloadTooLarge
  | Unauthorized
  | AuthenticationUnavailable
  | Forbidden
  | Unprocessable
  | StorageFailure;
