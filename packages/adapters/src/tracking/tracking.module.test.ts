import { createRequire } from "node:module";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { AppearanceEmbedder, FrameSource, HomographySource, PersonDetector, TaskStore, TrackingEvents, VideoCatalog } from "@parallax/application/tracking";
import { ConfigError, createContainer, loadConfig } from "../composition/index.js";
import { createLogger } from "../shared/logger.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileTaskStore } from "./file-task.store.js";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { OsnetEmbedder } from "./osnet.embedder.js";
import { YoloxDetector } from "./yolox.detector.js";
import { OSNET, YOLOX, missing, shared } from "./vision.testkit.js";

const logger = createLogger("silent");
const container = (env: Record<string, string>) => createContainer(loadConfig(env, { STORAGE: "memory", LOG_LEVEL: "silent" }), { logger });
/** Whether this thread has loaded onnxruntime-node (its CommonJS entry is in the module cache). */
const onnxruntimeLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("onnxruntime-node"));

describe("trackingModule", () => {
  it("binds the weight-free adapters by default, and ffmpeg and files for frames and homographies", () => {
    const c = container({});
    expect(c.get(PersonDetector)).toBeInstanceOf(MotionPersonDetector);
    expect(c.get(AppearanceEmbedder)).toBeInstanceOf(HistogramEmbedder);
    expect(c.get(FrameSource)).toBeInstanceOf(FfmpegFrameSource);
    expect(c.get(HomographySource)).toBeInstanceOf(FileHomographySource);
    expect(c.get(VideoCatalog)).toBeInstanceOf(FileVideoCatalog);
    expect(c.get(TaskStore)).toBeInstanceOf(FileTaskStore);
    expect(c.get(TrackingEvents)).toBeInstanceOf(InProcessTrackingEvents);
  });

  it("refuses an ONNX choice without its model, and an unknown detector, naming the variable", () => {
    expect(() => container({ DETECTOR: "onnx" })).toThrow(ConfigError);
    expect(() => container({ DETECTOR: "onnx" })).toThrow("DETECTOR=onnx needs DETECTOR_MODEL");
    expect(() => container({ REID: "onnx" })).toThrow("REID=onnx needs REID_MODEL");
    expect(() => container({ DETECTOR: "yolo" })).toThrow(/DETECTOR/);
    expect(() => container({ DETECT_THREADS: "-1" })).toThrow(/DETECT_THREADS/);
  });

  it.skipIf(missing({ shared: [YOLOX, OSNET] }))("binds the ONNX adapters when chosen; onnxruntime loads on first use, on a worker thread", async () => {
    const c = container({ DETECTOR: "onnx", DETECTOR_MODEL: shared(YOLOX), REID: "onnx", REID_MODEL: shared(OSNET), DETECT_THREADS: "1" });
    const detector = c.get<PersonDetector>(PersonDetector);
    const embedder = c.get<AppearanceEmbedder>(AppearanceEmbedder);
    expect(detector).toBeInstanceOf(YoloxDetector);
    expect(embedder).toBeInstanceOf(OsnetEmbedder);
    expect(onnxruntimeLoaded()).toBe(false);
    expect(Exit.isSuccess(await Effect.runPromiseExit(Effect.all([detector.ready, embedder.ready])))).toBe(true);
    // Loaded and checked, yet never on this thread: inference does not block the host's event loop.
    expect(onnxruntimeLoaded()).toBe(false);
  });
});
