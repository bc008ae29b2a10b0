import * as Data from "effect/Data";

/** A transition that the job's state machine forbids (e.g. completing a cancelled job). */
export class IllegalTransition extends Data.TaggedError("IllegalTransition")<{
  readonly message: string;
  readonly jobId: string;
  readonly from: string;
}> {}

/** A conditional write lost: the stored job changed since it was read. */
export class VersionConflict extends Data.TaggedError("VersionConflict")<{
  readonly message: string;
  readonly jobId: string;
}> {}

/** A pipeline's precondition (a `requires` glob) matched nothing: 400 with the pipeline's message. */
export class PreconditionFailed extends Data.TaggedError("PreconditionFailed")<{ readonly message: string }> {}
