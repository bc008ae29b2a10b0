/**
 * The tracking capability's container module: the vision ports bound to the adapters the
 * configuration selects, and the `TrackingTasksDeps` they build `TrackingTasks` from. Not the tasks
 * themselves, whose scope the caller (the host, the `track` command) owns.
 */
import { join, resolve } from "node:path";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import {
  AppearanceEmbedder,
  FrameEncoder,
  FrameSource,
  HomographySource,
  PersonDetector,
  TaskEventLog,
  TaskPictures,
  TaskQueue,
  TaskStore,
  TrackingEvents,
  TrackingTasksDeps,
  VideoCatalog,
  VideoLocations,
} from "@parallax/application/tracking";
import { PipelineJobs } from "@parallax/application/jobs";
import { ConfigError } from "../shared/shared.config.js";
import { FfmpegFrameSource } from "./ffmpeg-frame.source.js";
import { FileHomographySource } from "./file-homography.source.js";
import { FileTaskEventLog } from "./file-task-event.log.js";
import { FileTaskPictures } from "./file-task.pictures.js";
import { FileTaskStore } from "./file-task.store.js";
import { DynamoTaskStore } from "./dynamodb-task.store.js";
import { requireAwsClients, type AwsClients } from "../aws/aws-clients.js";
import { S3BlobStore } from "../aws/s3-blob.store.js";
import { FileVideoCatalog } from "./file-video.catalog.js";
import { InProcessTrackingEvents } from "./in-process-tracking.events.js";
import { JobTaskQueue } from "./job.task-queue.js";
import { HistogramEmbedder } from "./histogram.embedder.js";
import { MotionPersonDetector } from "./motion.detector.js";
import { OsnetEmbedder } from "./osnet.embedder.js";
import { makeS3Client } from "./s3-location.js";
import { S3VideoLocations } from "./s3-video.locations.js";
import { SharpFrameEncoder } from "./sharp-frame.encoder.js";
import { trackingConfigProblems, type TrackingConfig } from "./tracking.config.js";
import { YoloxDetector } from "./yolox.detector.js";

/**
 * Binds the tracking vision ports to the adapters chosen by configuration (DETECTOR, REID).
 * Nothing heavy happens here or at resolution: an ONNX adapter imports onnxruntime and loads its
 * model on first use (its `ready`), so a host that never tracks never loads the native runtime;
 * the JPEG encoder likewise imports sharp on its first picture.
 */
export function trackingModule(config: TrackingConfig, aws?: AwsClients): ContainerModule {
  const tasks = config.TASKS_STORE ?? config.STORAGE;
  const problems = trackingConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  const threads = config.DETECT_THREADS;
  return new ContainerModule((options) => {
    options.bind<FrameSource>(FrameSource).toResolvedValue(() => new FfmpegFrameSource());
    options
      .bind<PersonDetector>(PersonDetector)
      .toResolvedValue(() => (config.DETECTOR === "onnx" ? new YoloxDetector({ model: resolve(config.DETECTOR_MODEL), threads }) : new MotionPersonDetector()));
    options
      .bind<AppearanceEmbedder>(AppearanceEmbedder)
      .toResolvedValue(() => (config.REID === "onnx" ? new OsnetEmbedder({ model: resolve(config.REID_MODEL), threads }) : new HistogramEmbedder()));
    options
      .bind<FrameEncoder>(FrameEncoder)
      .toResolvedValue(() => new SharpFrameEncoder({ quality: config.TRACKING_JPEG_QUALITY, maxWidth: config.TRACKING_JPEG_MAX_WIDTH }));
    options.bind<HomographySource>(HomographySource).toResolvedValue(() => new FileHomographySource());
    options
      .bind<VideoCatalog>(VideoCatalog)
      .toResolvedValue(() => new FileVideoCatalog({ dataDir: config.DATA_DIR, ...(config.ENVIRONMENTS_FILE ? { file: config.ENVIRONMENTS_FILE } : {}) }));
    options
      .bind<VideoLocations>(VideoLocations)
      .toResolvedValue(() => new S3VideoLocations({
          cacheDir: join(resolve(config.DATA_DIR), "tracking", "cache"),
          client: () => makeS3Client(config),
          ...(config.TRACKING_CACHE_MAX_MB > 0 ? { maxBytes: config.TRACKING_CACHE_MAX_MB * 1024 * 1024 } : {}),
        }));
    // STORAGE=aws: records in the table, results in the bucket (the event log and pictures of queued tasks stay under DATA_DIR).
    options
      .bind<TaskStore>(TaskStore)
      .toResolvedValue((): TaskStore => {
        if (tasks !== "aws") return new FileTaskStore(join(resolve(config.DATA_DIR), "tracking", "tasks"));
        const clients = requireAwsClients(aws, "the task store");
        return new DynamoTaskStore(clients.documents, clients.table, new S3BlobStore(clients));
      });
    options.bind<TrackingEvents>(TrackingEvents).toResolvedValue(() => new InProcessTrackingEvents());
    // Queued tasks (TRACKING_RUNNER=queue) are jobs of the built-in `parallax.tracking-task` pipeline.
    options.bind<TaskEventLog>(TaskEventLog).toResolvedValue(() => new FileTaskEventLog(join(resolve(config.DATA_DIR), "tracking", "tasks")));
    // Their pictures, kept by the worker beside the task for the hosts that relay its updates.
    options.bind<TaskPictures>(TaskPictures).toResolvedValue(() => new FileTaskPictures(join(resolve(config.DATA_DIR), "tracking", "tasks")));
    options.bind<TaskQueue>(TaskQueue).toResolvedValue((jobs: PipelineJobs) => new JobTaskQueue(jobs), [PipelineJobs]);
    // The ports `makeTrackingTasks` runs on, as one value: the app that runs the tasks owns their scope.
    options
      .bind<TrackingTasksDeps>(TrackingTasksDeps)
      .toResolvedValue(
        (
          frames: FrameSource,
          encoder: FrameEncoder,
          detector: PersonDetector,
          embedder: AppearanceEmbedder,
          homographies: HomographySource,
          store: TaskStore,
          events: TrackingEvents,
          catalog: VideoCatalog,
          locations: VideoLocations,
          clock: Clock,
          ids: IdGenerator,
          pictures: TaskPictures,
        ) => ({ frames, encoder, detector, embedder, homographies, store, events, catalog, locations, clock, ids, pictures }),
        [FrameSource, FrameEncoder, PersonDetector, AppearanceEmbedder, HomographySource, TaskStore, TrackingEvents, VideoCatalog, VideoLocations, Clock, IdGenerator, TaskPictures],
      );
  });
}
