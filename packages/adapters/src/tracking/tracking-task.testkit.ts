import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { crossCameraIdf1, motRow, parseMot, type CameraTracks, type MotRow } from "@parallax/domain/tracking";
import type { TrackingTasksDeps, TrackingUpdate } from "@parallax/application/tracking";
import { TimeOrderedIdGenerator } from "../shared/time-ordered-id-generator.js";
import { SystemClock } from "../shared/system-clock.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileTaskStore } from "./file-task.store.js";
import type { FileVideoCatalog } from "./file-video.catalog.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { makeVideo } from "./vision.testkit.js";

/** The weight-free pipeline over real ffmpeg and files under `dataDir`, as a host would wire it; `extra` adds or replaces ports. */
export function weightFreeTrackingDeps(dataDir: string, catalog: FileVideoCatalog, extra: Partial<TrackingTasksDeps> = {}): TrackingTasksDeps {
  return {
    frames: new FfmpegFrameSource(),
    detector: new MotionPersonDetector(),
    embedder: new HistogramEmbedder(),
    homographies: new FileHomographySource(),
    store: new FileTaskStore(`${dataDir}/tracking/tasks`),
    events: new InProcessTrackingEvents(),
    catalog,
    clock: new SystemClock(),
    ids: new TimeOrderedIdGenerator(),
    ...extra,
  };
}

/**
 * Test support for processing tasks: the cross-camera IDF1 of a task's global ids against the demo's
 * ground truth, and environments made for one test (long videos to cancel, a corrupt one).
 */
export function demoCrossCameraIdf1(demoDir: string, updates: readonly TrackingUpdate[]): number {
  const cameras = Object.keys(updates[0]?.cameras ?? {});
  const tracks: CameraTracks[] = cameras.map((camera) => {
    const global: MotRow[] = [];
    for (const update of updates) {
      for (const track of update.cameras[camera]!.tracks) {
        if (track.global_id !== undefined) global.push(motRow(update.global_frame_index + 1, track.global_id, track.bbox_xyxy, track.confidence ?? 1));
      }
    }
    return { camera, groundTruth: parseMot(readFileSync(join(demoDir, "groundtruth", `${camera}.txt`), "utf8")), local: [], global };
  });
  return crossCameraIdf1(tracks);
}

/**
 * An environments file with `cameras` cameras of one sub-video each, made from ffmpeg's test
 * source (`seconds` long); `corrupt` names a camera whose video is not a video at all.
 */
export function makeEnvironmentsFile(dir: string, options: { cameras: number; seconds: number; corrupt?: string }): string {
  const cameras = Array.from({ length: options.cameras }, (_, c) => `c${c + 1}`);
  for (const camera of cameras) {
    mkdirSync(join(dir, camera), { recursive: true });
    if (camera === options.corrupt) writeFileSync(join(dir, camera, "sub_video_01.mp4"), Buffer.from("this is not an mp4 file, just bytes".repeat(100)));
    else makeVideo(join(dir, camera), "sub_video_01.mp4", "testsrc2=size=320x180:rate=10", options.seconds);
  }
  const file = join(dir, "environments.json");
  writeFileSync(file, JSON.stringify({ environments: [{ id: "test", cameras: cameras.map((id) => ({ id, source: id, count: 1 })) }] }));
  return file;
}
