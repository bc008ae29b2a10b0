import { z } from "zod";
import type { VideoInfo } from "@parallax/application/tracking";

/**
 * Reading what ffmpeg prints about an input (`ffmpeg -i video` with no output): the container's
 * duration and the first video stream's size and frame rate. ffprobe would give JSON, but the
 * ffmpeg that @ffmpeg-installer ships comes without it, and these banner lines have kept their
 * shape across ffmpeg 4 to 7.
 */
const DURATION = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/m;
const VIDEO_STREAM = /^\s*Stream #\d+:\d+.*?: Video: (.*)$/m;
const SIZE = /, (\d{1,5})x(\d{1,5})[,\s[]/;
const RATE = /, (\d+(?:\.\d+)?)(k?) (fps|tbr)/;
const ROTATION = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/;

const info = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  durationMs: z.number().nonnegative().optional(),
  frameRate: z.number().positive().optional(),
});

/** The video's description, or undefined when the banner names no video stream. */
export function parseProbe(banner: string): VideoInfo | undefined {
  const stream = VIDEO_STREAM.exec(banner);
  const size = stream && SIZE.exec(`${stream[1]} `);
  if (!size) return undefined;
  const duration = DURATION.exec(banner);
  const rate = RATE.exec(stream[1]!);
  // ffmpeg turns frames upright when the container says the camera was rotated a quarter turn.
  const quarterTurn = Math.abs(Number(ROTATION.exec(banner)?.[1] ?? 0)) % 180 === 90;
  const parsed = info.safeParse({
    width: Number(size[quarterTurn ? 2 : 1]),
    height: Number(size[quarterTurn ? 1 : 2]),
    durationMs: duration ? (Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000 : undefined,
    frameRate: rate ? Number(rate[1]) * (rate[2] === "k" ? 1000 : 1) : undefined,
  });
  return parsed.success ? parsed.data : undefined;
}
