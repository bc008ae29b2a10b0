import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { Effect } from "effect";
import { ContainerModule, type Container } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import {
  AnnotationStore,
  JobChanges,
  JobFeed,
  JobService,
  JobStore,
  JobWorker,
  LogStore,
  PipelineCatalog,
  PipelineCatalogToken,
  ProcessRunner,
  Workspace,
  type WorkerObserver,
  type WorkerSettings,
} from "@parallax/application/jobs";
import type { Pipeline } from "@parallax/domain/jobs";
import type { Config } from "../composition/config.js";
import { ChildProcessRunner } from "./child-process.runner.js";
import { FileJobStore } from "./file-job.store.js";
import { FileLogStore } from "./file-log.store.js";
import { FileAnnotationStore, FileWorkspace } from "./file-workspace.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { loadPipelinesFile, type LoadedPipelines } from "./pipelines-file.js";

export const LoadedPipelinesToken = Symbol.for("parallax.LoadedPipelines");
export const JobServiceToken = Symbol.for("parallax.JobService");
export const JobFeedToken = Symbol.for("parallax.JobFeed");
export const JobChangesToken = Symbol.for("parallax.JobChanges");

/** Where the jobs capability keeps its files: `<DATA_DIR>/jobs`. */
export function jobsDataDir(config: Pick<Config, "DATA_DIR">): string {
  return resolve(config.DATA_DIR, "jobs");
}

/**
 * Binds the jobs ports to the adapters chosen by configuration (JOBS_STORE, else STORAGE).
 * `builtins`: pipelines other capabilities submit, beside PIPELINES_FILE's.
 */
export function jobsModule(config: Config, builtins: readonly Pipeline[] = []): ContainerModule {
  const storage = config.JOBS_STORE ?? config.STORAGE;
  const root = jobsDataDir(config);
  return new ContainerModule((options) => {
    options.bind<LoadedPipelines>(LoadedPipelinesToken).toDynamicValue(() => loadPipelinesFile(config.PIPELINES_FILE, config.DATA_DIR));
    options
      .bind<PipelineCatalog>(PipelineCatalogToken)
      .toResolvedValue((loaded: LoadedPipelines) => (builtins.length === 0 ? loaded.catalog : new PipelineCatalog({ ...loaded.catalog.file, pipelines: [...loaded.catalog.file.pipelines, ...builtins] })), [LoadedPipelinesToken]);
    options.bind<JobStore>(JobStore).toDynamicValue(() => (storage === "file" ? new FileJobStore(root) : new MemoryJobStore()));
    options.bind<LogStore>(LogStore).toDynamicValue(() => (storage === "file" ? new FileLogStore(join(root, "logs")) : new MemoryLogStore()));
    options.bind<ProcessRunner>(ProcessRunner).toDynamicValue(() => new ChildProcessRunner({ killGraceMs: config.JOB_KILL_GRACE_MS }));
    options.bind<Workspace>(Workspace).toResolvedValue((loaded: LoadedPipelines) => new FileWorkspace(loaded.baseDir), [LoadedPipelinesToken]);
    options
      .bind<AnnotationStore>(AnnotationStore)
      .toResolvedValue((loaded: LoadedPipelines, workspace: Workspace) => new FileAnnotationStore(workspace.resolve(loaded.catalog.file.annotations_file)), [LoadedPipelinesToken, Workspace]);
    // One per container: the service announces on it, the feed and the embedded worker listen.
    options.bind<JobChanges>(JobChangesToken).toDynamicValue(() => Effect.runSync(JobChanges.make));
    options
      .bind<JobService>(JobServiceToken)
      .toResolvedValue(
        (store: JobStore, logs: LogStore, catalog: PipelineCatalog, workspace: Workspace, clock: Clock, ids: IdGenerator, changes: JobChanges) =>
          new JobService(store, logs, catalog, workspace, clock, ids, changes, { outputLines: config.JOB_OUTPUT_LINES }),
        [JobStore, LogStore, PipelineCatalogToken, Workspace, Clock, IdGenerator, JobChangesToken],
      );
    options
      .bind<JobFeed>(JobFeedToken)
      .toResolvedValue(
        (store: JobStore, logs: LogStore, clock: Clock, changes: JobChanges) => Effect.runSync(JobFeed.make(store, logs, clock, { pollMs: Math.min(config.JOB_POLL_MS, 250) }, changes)),
        [JobStore, LogStore, Clock, JobChangesToken],
      );
  });
}

/** The worker settings configuration implies; the heartbeat is kept well inside the lease. */
export function workerSettings(config: Config, overrides: Partial<WorkerSettings> = {}): WorkerSettings {
  const leaseMs = overrides.leaseMs ?? config.JOB_LEASE_MS;
  return {
    workerId: config.WORKER_ID || `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs,
    heartbeatMs: Math.max(1, Math.min(config.JOB_HEARTBEAT_MS, Math.floor(leaseMs / 3))),
    pollMs: config.JOB_POLL_MS,
    cancelPollMs: config.JOB_CANCEL_POLL_MS,
    random: Math.random,
    maxBufferedLines: 10_000,
    ...overrides,
  };
}

/** A worker wired from the container (the embedded one of the host, or `parallax worker`). */
export function createJobWorker(container: Container, settings: WorkerSettings, observer: WorkerObserver = {}): JobWorker {
  return new JobWorker(
    {
      store: container.get<JobStore>(JobStore),
      logs: container.get<LogStore>(LogStore),
      runner: container.get<ProcessRunner>(ProcessRunner),
      clock: container.get<Clock>(Clock),
      ids: container.get<IdGenerator>(IdGenerator),
      service: container.get<JobService>(JobServiceToken),
    },
    settings,
    observer,
  );
}
