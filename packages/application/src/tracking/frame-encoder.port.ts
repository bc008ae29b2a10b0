import type * as Effect from "effect/Effect";
import type { Frame } from "./frame-source.port.js";
import type { FrameEncodeFailed } from "./vision-errors.js";

/**
 * A decoded frame → a JPEG for clients (the `frame_image_base64` of §D and the frames route).
 * Quality and the largest width are the adapter's configuration: every client of a host sees the
 * same pictures, so a frame is encoded once however many sockets receive it.
 */
export interface FrameEncoder {
  encode(frame: Frame): Effect.Effect<Uint8Array, FrameEncodeFailed>;
}
export const FrameEncoder = Symbol.for("parallax.FrameEncoder");
