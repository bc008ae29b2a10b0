import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrackingUpdate } from "@parallax/application/tracking";
import { http } from "../host/http-client.testkit.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { WebSocketRecorder, type Message } from "../host/websocket-recorder.testkit.js";
import type { Host } from "../host/host.js";
import { ffmpeg, makeVideo, missing, tempDir } from "../../../../packages/adapters/src/tracking/vision.testkit.js";

/**
 * Camera pictures over real HTTP and WebSocket: `frame_image_base64` for sockets that want them
 * (the default), none for `?frames=0` nor in the stored results, and the frames route decoding a
 * frame again from its sub-video. Two sub-videos per camera drawn from different ffmpeg test
 * patterns, so a picture taken from the wrong batch or the wrong time does not pass for the right one.
 */
const WIDTH = 320;
const HEIGHT = 180;

function twoBatchEnvironment(): string {
  const dir = tempDir("frames-envs");
  for (const camera of ["c1", "c2"]) {
    mkdirSync(join(dir, camera));
    makeVideo(join(dir, camera), "sub_video_01.mp4", `testsrc2=size=${WIDTH}x${HEIGHT}:rate=10`, 2);
    makeVideo(join(dir, camera), "sub_video_02.mp4", `testsrc=size=${WIDTH}x${HEIGHT}:rate=10`, 2);
  }
  const file = join(dir, "environments.json");
  writeFileSync(file, JSON.stringify({ environments: [{ id: "two", cameras: ["c1", "c2"].map((id) => ({ id, source: id, count: 2 })) }] }));
  return file;
}

/** A JPEG's pixels as packed RGB, decoded by ffmpeg. */
function pixels(jpeg: Uint8Array): Buffer {
  return execFileSync(ffmpeg!, ["-hide_banner", "-loglevel", "error", "-f", "image2pipe", "-c:v", "mjpeg", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], { input: jpeg });
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

const isFinal = (m: Message) => m["type"] === "status_update" && ["COMPLETED", "FAILED", "CANCELLED"].includes((m["payload"] as { status: string }).status);
const updatesOf = (socket: WebSocketRecorder) => socket.messages.filter((m) => m["type"] === "tracking_update").map((m) => m["payload"] as TrackingUpdate);

describe.skipIf(missing({ ffmpeg: true }))("camera pictures: frame_image_base64 and the frames route", () => {
  let host: Host;
  let base: string;
  let taskId: string;
  let live: TrackingUpdate[];
  let bare: TrackingUpdate[];
  beforeAll(async () => {
    host = await startTestHost({ DATA_DIR: tempDir("tracking-frames"), ENVIRONMENTS_FILE: twoBatchEnvironment() });
    base = host.url();
    const started = await http(base, "POST", "/api/v1/processing-tasks/start", { environment_id: "two" });
    taskId = started.body.task_id;
    const ws = `${base.replace(/^http/, "ws")}${started.body.websocket_url}`;
    const [withFrames, withoutFrames] = await Promise.all([WebSocketRecorder.open(ws), WebSocketRecorder.open(`${ws}?frames=0`)]);
    await Promise.all([withFrames.waitFor(isFinal, { timeoutMs: 30_000 }), withoutFrames.waitFor(isFinal, { timeoutMs: 30_000 })]);
    live = updatesOf(withFrames);
    bare = updatesOf(withoutFrames);
  }, 60_000);
  afterAll(() => host.close());

  it("sends a JPEG of every camera in every update to a socket that wants them, none to ?frames=0, and stores none", async () => {
    expect(live.length).toBeGreaterThan(30);
    // The socket may subscribe while the first frame index is under way: pictures from the next one on.
    for (const update of live.slice(1)) {
      // "/9j/" is the base64 of a JPEG's start-of-image marker (FF D8 FF).
      for (const id of ["c1", "c2"]) expect(update.cameras[id]!.frame_image_base64).toMatch(/^\/9j\//);
    }
    for (const update of [live[1]!, live.at(-1)!]) expect(pixels(Buffer.from(update.cameras["c1"]!.frame_image_base64!, "base64")).length).toBe(WIDTH * HEIGHT * 3);
    expect(bare.length).toBe(live.length);
    for (const update of bare) for (const camera of Object.values(update.cameras)) expect(camera).not.toHaveProperty("frame_image_base64");
    const stored = await http(base, "GET", `/api/v1/processing-tasks/${taskId}/results`);
    expect(stored.body.results).toHaveLength(40);
    expect(JSON.stringify(stored.body.results)).not.toContain("frame_image_base64");
  });

  it("serves a frame decoded again from its sub-video: the same picture the socket got, not its neighbour's", async () => {
    const picture = (index: number, camera = "c2") => pixels(Buffer.from(live.find((u) => u.global_frame_index === index)!.cameras[camera]!.frame_image_base64!, "base64"));
    // Index 25 is frame 5 of the second sub-video.
    for (const index of [7, 25]) {
      const response = await fetch(`${base}/api/v1/processing-tasks/${taskId}/frames/c2/${index}.jpg`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
      const decoded = pixels(new Uint8Array(await response.arrayBuffer()));
      const same = meanAbsDiff(decoded, picture(index));
      expect(same).toBeLessThan(2);
      expect(same).toBeLessThan(meanAbsDiff(decoded, picture(index - 1)));
      expect(same).toBeLessThan(meanAbsDiff(decoded, picture(index - 20 < 0 ? index + 20 : index - 20)));
    }
  }, 30_000);

  it("answers 404 for an unknown task, camera or frame, and 422 for a non-UUID id or a non-integer index", async () => {
    const status = async (path: string) => (await fetch(`${base}/api/v1/processing-tasks/${path}`)).status;
    expect(await status("1b4e28ba-2fa1-11d2-883f-0016d3cca427/frames/c1/0.jpg")).toBe(404);
    expect(await status(`${taskId}/frames/c9/0.jpg`)).toBe(404);
    expect(await status(`${taskId}/frames/c1/40.jpg`)).toBe(404);
    expect(await status("not-a-uuid/frames/c1/0.jpg")).toBe(422);
    expect(await status(`${taskId}/frames/c1/x.jpg`)).toBe(422);
    expect(await status(`${taskId}/frames/c1/1.5.jpg`)).toBe(422);
  });
});
