import * as Effect from "effect/Effect";
import { FrameEncodeFailed, type Frame, type FrameEncoder } from "@parallax/application/tracking";

/**
 * JPEG pictures with sharp (libvips, libjpeg-turbo). sharp is imported on the first encode, not
 * when the host starts: its native library costs start-up time and memory that a host whose
 * clients never ask for pictures should not pay. Encoding runs on libuv's thread pool, so the
 * host's thread only hands the frame over.
 */
export interface SharpFrameEncoderOptions {
  /** JPEG quality, 1–100. */
  readonly quality: number;
  /** Wider frames are scaled down to this width (aspect kept); 0: never scaled. */
  readonly maxWidth: number;
}

type Sharp = (typeof import("sharp"))["default"];

export class SharpFrameEncoder implements FrameEncoder {
  private sharp: Promise<Sharp> | undefined;

  constructor(private readonly options: SharpFrameEncoderOptions) {}

  encode(frame: Frame): Effect.Effect<Uint8Array, FrameEncodeFailed> {
    const { quality, maxWidth } = this.options;
    return Effect.tryPromise({
      try: async () => {
        const sharp = await this.load();
        let image = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
        // Bilinear: sharp's default (lanczos) cost more than encoding the pixels it saves.
        if (maxWidth > 0 && frame.width > maxWidth) image = image.resize({ width: maxWidth, kernel: "linear" });
        return new Uint8Array(await image.jpeg({ quality }).toBuffer());
      },
      catch: (error) => new FrameEncodeFailed({ message: `JPEG encoding failed: ${error instanceof Error ? error.message : String(error)}` }),
    });
  }

  private load(): Promise<Sharp> {
    // A failed import is tried again on the next frame rather than remembered.
    const loading = (this.sharp ??= import("sharp").then((module) => module.default).catch((error: unknown) => {
      this.sharp = undefined;
      throw error;
    }));
    return loading;
  }
}
