/**
 * The jobs capability's wiring: binds the jobs ports to the adapters configuration chooses
 * (JOBS_STORE, else STORAGE; PIPELINES_FILE), and the application's jobs classes
 * (`PipelineJobs`, `JobChanges`, `JobFeed`, `JobWorker`, `QueueMetrics`) to them, each under its own class as
 * token. It defines no token, starts nothing and runs no effect: the apps resolve what they
 * serve and own its life (the host forks the feed and, with WORKER=embedded, starts the worker).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { ContainerModule } from "inversify";
import { Clock, IdGenerator } from "@parallax/application";
import {
  AnnotationStore,
  JobChanges,
  JobFeed,
  PipelineJobs,
  JobStore,
  JobWorker,
  LogStore,
  PipelineCatalog,
  ProcessRunner,
  QueueMetrics,
  Workspace,
  type WorkerObserver,
  type WorkerSettings,
} from "@parallax/application/jobs";
import type { Pipeline } from "@parallax/domain/jobs";
import { Log, type Logger } from "../shared/logger.js";
import { ChildProcessRunner } from "./child-process.runner.js";
import { FileJobStore } from "./file-job.store.js";
import { FileLogStore } from "./file-log.store.js";
import { FileAnnotationStore, FileWorkspace } from "./file-workspace.js";
import type { JobsConfig } from "./jobs.config.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { requireAwsClients, type AwsClients } from "../aws/aws-clients.js";
import { DynamoJobStore } from "./dynamodb-job.store.js";
import { DynamoLogStore } from "./dynamodb-log.store.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { loadPipelinesFile, type LoadedPipelines } from "./pipelines-file.js";
import { EmfMetricsSink } from "../metrics/emf-metrics.sink.js";
import { ConfigError, type SharedConfig } from "../shared/shared.config.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import { SqliteLogStore } from "./sqlite-log.store.js";
import { openSqliteJobStore, sqliteJobsFile } from "./sqlite-migration.js";

/** Binds the jobs ports and classes; `builtins`: pipelines other capabilities submit, beside PIPELINES_FILE's. */
export function jobsModule(config: JobsConfig, builtins: readonly Pipeline[] = [], aws?: AwsClients): ContainerModule {
  // On one machine the embedded default is SQLite: a job's life is a few small statements, not ~20
  // file operations, and none of them waits on the thread pool (README: The SQLite job store).
  const storage = config.JOBS_STORE ?? (config.STORAGE === "file" ? "sqlite" : config.STORAGE);
  const jobStore = (): JobStore => {
    if (storage === "aws") {
      const clients = requireAwsClients(aws, "the job store");
      return new DynamoJobStore(clients.dynamo, clients.table);
    }
    if (storage === "sqlite") return openSqliteJobStore(root, { synchronous: config.JOBS_SQLITE_SYNCHRONOUS });
    return storage === "file" ? new FileJobStore(root) : new MemoryJobStore();
  };
  const root = jobsDataDir(config);
  // Read on first resolution (a bad file is a ConfigError then), once per container.
  let loaded: LoadedPipelines | undefined;
  const pipelines = () => (loaded ??= loadPipelinesFile(config.PIPELINES_FILE, config.DATA_DIR));
  return new ContainerModule((options) => {
    options.bind<PipelineCatalog>(PipelineCatalog).toResolvedValue(() => withBuiltins(pipelines().catalog, builtins));
    options.bind<Workspace>(Workspace).toResolvedValue(() => new FileWorkspace(pipelines().baseDir));
    options
      .bind<AnnotationStore>(AnnotationStore)
      .toResolvedValue((catalog: PipelineCatalog, workspace: Workspace) => new FileAnnotationStore(workspace.resolve(catalog.file.annotations_file)), [PipelineCatalog, Workspace]);
    options.bind<JobStore>(JobStore).toResolvedValue(jobStore);
    const logStore = (jobs?: JobStore): LogStore => {
      if (storage === "aws") {
        const clients = requireAwsClients(aws, "the log store");
        return new DynamoLogStore(clients.documents, clients.table);
      }
      // On the job store's connection: one group commit and one page cache per process, not two
      // (README: The SQLite job store).
      if (storage === "sqlite") return new SqliteLogStore(sqliteJobsFile(root), jobs instanceof SqliteJobStore ? { connection: jobs.db } : { synchronous: config.JOBS_SQLITE_SYNCHRONOUS });
      return storage === "file" ? new FileLogStore(join(root, "logs")) : new MemoryLogStore();
    };
    if (storage === "sqlite") options.bind<LogStore>(LogStore).toResolvedValue((jobs: JobStore) => logStore(jobs), [JobStore]);
    else options.bind<LogStore>(LogStore).toResolvedValue(() => logStore());
    options.bind<ProcessRunner>(ProcessRunner).toResolvedValue(() => new ChildProcessRunner({ killGraceMs: config.JOB_KILL_GRACE_MS }));
    // One per container: the service and the worker announce on it, the feed and the worker listen.
    options.bind<JobChanges>(JobChanges).toResolvedValue(() => new JobChanges());
    options
      .bind<PipelineJobs>(PipelineJobs)
      .toResolvedValue(
        (store: JobStore, logs: LogStore, catalog: PipelineCatalog, workspace: Workspace, clock: Clock, ids: IdGenerator, changes: JobChanges) =>
          new PipelineJobs(store, logs, catalog, workspace, clock, ids, changes, { outputLines: config.JOB_OUTPUT_LINES }),
        [JobStore, LogStore, PipelineCatalog, Workspace, Clock, IdGenerator, JobChanges],
      );
    options
      .bind<JobFeed>(JobFeed)
      .toResolvedValue(
        (store: JobStore, logs: LogStore, clock: Clock, changes: JobChanges) => new JobFeed(store, logs, clock, { pollMs: Math.min(config.JOB_POLL_MS, 250) }, changes),
        [JobStore, LogStore, Clock, JobChanges],
      );
    // The worker of this process (the host's embedded one, or `parallax worker`); resolving it starts nothing.
    options
      .bind<JobWorker>(JobWorker)
      .toResolvedValue(
        (store: JobStore, logs: LogStore, runner: ProcessRunner, clock: Clock, ids: IdGenerator, service: PipelineJobs, logger: Logger) =>
          new JobWorker({ store, logs, runner, clock, ids, service }, workerSettings(config), loggingObserver(logger)),
        [JobStore, LogStore, ProcessRunner, Clock, IdGenerator, PipelineJobs, Log],
      );
    // The worker app resolves it only when METRICS_NAMESPACE is set, and runs it beside the worker.
    options.bind<QueueMetrics>(QueueMetrics).toResolvedValue(
      (store: JobStore, clock: Clock) => {
        const namespace = config.METRICS_NAMESPACE;
        if (!namespace) throw new ConfigError("Queue metrics need METRICS_NAMESPACE");
        const sink = new EmfMetricsSink({ namespace, application: config.METRICS_APPLICATION });
        return new QueueMetrics({ store, clock, sink }, { intervalMs: config.METRICS_INTERVAL_S * 1000 });
      },
      [JobStore, Clock],
    );
  });
}

/** Where the jobs capability keeps its files: `<DATA_DIR>/jobs`. */
export function jobsDataDir(config: Pick<SharedConfig, "DATA_DIR">): string {
  return resolve(config.DATA_DIR, "jobs");
}

/** The worker settings configuration implies; the heartbeat is kept well inside the lease. */
export function workerSettings(config: JobsConfig, overrides: Partial<WorkerSettings> = {}): WorkerSettings {
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

/** The worker's reports, as log lines of the `jobs` capability. */
function loggingObserver(logger: Logger): WorkerObserver {
  const log = logger.child({ capability: "jobs" });
  return {
    onClaimed: (job) => log.info({ jobId: job.id, pipeline: job.pipeline, attempt: job.attempt, run: job.runs }, "job started"),
    onLeaseExpired: (job) => log.warn({ jobId: job.id, expired: job.history.at(-1) }, "recovered a job whose lease expired"),
    onError: (error) => log.error({ err: error }, "job worker error"),
  };
}

/** The file's catalog with the pipelines other capabilities submit (e.g. tracking tasks run by workers) beside its own. */
function withBuiltins(catalog: PipelineCatalog, builtins: readonly Pipeline[]): PipelineCatalog {
  return builtins.length === 0 ? catalog : new PipelineCatalog({ ...catalog.file, pipelines: [...catalog.file.pipelines, ...builtins] });
}
