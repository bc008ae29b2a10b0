import * as Data from "effect/Data";

/**
 * The failures of the vision ports. Each carries a message a person can act on, because it
 * becomes a processing task's failure reason as it is.
 */

/** ffmpeg could not open or decode a video; `message` is ffmpeg's own error text. */
export class VideoDecodeFailed extends Data.TaggedError("VideoDecodeFailed")<{
  readonly video: string;
  readonly message: string;
  /** ffmpeg's exit code, null when it could not be started or was killed by a signal. */
  readonly exitCode: number | null;
}> {}

/** A model file is missing, unreadable or does not have the inputs and outputs an adapter needs. */
export class ModelRejected extends Data.TaggedError("ModelRejected")<{
  readonly model: string;
  readonly message: string;
}> {}

/** A loaded model failed while running on a batch. */
export class InferenceFailed extends Data.TaggedError("InferenceFailed")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** A homography file is malformed, degenerate, or maps every point onto itself. */
export class HomographyRejected extends Data.TaggedError("HomographyRejected")<{
  readonly location: string;
  readonly message: string;
}> {}

/** A frame could not be encoded as a picture for clients (the encoder's own message). */
export class FrameEncodeFailed extends Data.TaggedError("FrameEncodeFailed")<{
  readonly message: string;
}> {}
