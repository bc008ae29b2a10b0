import { describe, expect, it } from "vitest";
import { parseProbe } from "./ffmpeg-probe.js";

const banner = (video: string, extra = "") => `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:01:02.50, start: 0.000000, bitrate: 188 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
  Stream #0:1[0x2](eng): Video: ${video}
${extra}At least one output file must be specified
`;

describe("parseProbe", () => {
  it("reads the first video stream's size and rate and the container's duration", () => {
    expect(parseProbe(banner("h264 (Main) (avc1 / 0x31637661), yuv420p(tv, smpte170m, progressive), 768x432, 187 kb/s, 10 fps, 10 tbr, 200k tbn (default)"))).toEqual({
      width: 768, height: 432, durationMs: 62_500, frameRate: 10,
    });
    expect(parseProbe(banner("mpeg4 (Simple Profile), yuv420p, 1920x1080 [SAR 1:1 DAR 16:9], 29.97 fps, 29.97 tbr, 30k tbn"))?.frameRate).toBe(29.97);
    expect(parseProbe(banner("h264, yuv420p, 640x480, 1k tbr, 1k tbn"))?.frameRate).toBe(1000);
  });

  it("swaps the size of a video recorded a quarter turn rotated, as ffmpeg decodes it upright", () => {
    const rotated = banner("h264, yuv420p, 1920x1080, 30 fps, 30 tbr", "    Side data:\n      displaymatrix: rotation of -90.00 degrees\n");
    expect(parseProbe(rotated)).toMatchObject({ width: 1080, height: 1920 });
  });

  it("answers undefined when there is no video stream, and omits what the banner does not say", () => {
    expect(parseProbe("Input #0, wav, from 'a.wav':\n  Duration: 00:00:01.00\n  Stream #0:0: Audio: pcm_s16le, 44100 Hz\n")).toBeUndefined();
    expect(parseProbe("Input #0, h264, from 'a.h264':\n  Duration: N/A, bitrate: N/A\n  Stream #0:0: Video: h264 (High), yuv420p, 320x240\n")).toEqual({ width: 320, height: 240 });
  });
});
