import * as Effect from "effect/Effect";
import { mayAccess, NotFound, type Conflict, type InvalidInput, type StorageFailure, type Viewer } from "@parallax/domain";
import type { Job, Pipeline, PreconditionFailed, RawParams } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import type { IdGenerator } from "../../shared/id-generator.port.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS, releaseExclusiveOf } from "../exclusive-claim.js";
import type { JobChanges } from "../feed/job-changes.js";
import type { PipelineCatalog } from "../pipeline-catalog.js";
import type { JobQuery, JobStore } from "../ports/job-store.port.js";
import type { LogPage, LogStore } from "../ports/log-store.port.js";
import type { Workspace } from "../ports/workspace.port.js";
import { cancelJob, type CancelJobDeps } from "./cancel-job.js";
import { getJob } from "./get-job.js";
import { readJobLog, readOutputTail } from "./read-job-log.js";
import { retryJob, type RetryJobDeps } from "./retry-job.js";
import { findPipeline, submitJob, type SubmitJobDeps, type SubmitOptions } from "./submit-job.js";


export interface PipelineJobsOptions {
  /** How long an exclusivity claim whose job is not written yet still counts as held. */
  readonly exclusiveGraceMs?: number;
  /** Lines of the process's own output in a job's `output[]` (the whole log is at the log API). */
  readonly outputLines?: number;
}

export const DEFAULT_OUTPUT_LINES = 1000;

/**
 * The jobs use cases the HTTP host, the worker and library users call, over one set of ports:
 * a thin facade, each method one use case of its own file (submit-job.ts, cancel-job.ts,
 * retry-job.ts, get-job.ts, read-job-log.ts). It holds no state but its ports.
 */
export class PipelineJobs {
  constructor(
    private readonly store: JobStore,
    private readonly logStore: LogStore,
    private readonly catalog: PipelineCatalog,
    workspace: Workspace,
    clock: Clock,
    ids: IdGenerator,
    /** Where submits, cancels and retries are announced (the feed and the local worker listen). */
    readonly changes: JobChanges,
    private readonly options: PipelineJobsOptions = {},
  ) {
    this.deps = { store, catalog, workspace, clock, ids, changes, exclusiveGraceMs: options.exclusiveGraceMs ?? DEFAULT_EXCLUSIVE_GRACE_MS };
  }

  /** What the use-case functions are given: this facade's ports and settings. */
  private readonly deps: SubmitJobDeps & CancelJobDeps & RetryJobDeps;

  pipeline(name: string): Effect.Effect<Pipeline, NotFound> {
    return findPipeline(this.catalog, name);
  }

  submit(name: string, rawParams: RawParams = {}, options: SubmitOptions = {}): Effect.Effect<Job, NotFound | InvalidInput | PreconditionFailed | Conflict | StorageFailure> {
    return submitJob(this.deps, name, rawParams, options);
  }

  /**
   * A job by id. With a `viewer`, only a job they may see (theirs, or any for an administrator):
   * another user's job is "Job not found" exactly as a missing one is.
   */
  get(id: string, viewer?: Viewer): Effect.Effect<Job, NotFound | StorageFailure> {
    const job = getJob(this.store, id);
    if (viewer === undefined) return job;
    return Effect.flatMap(job, (found) => (mayAccess(found.owner, viewer) ? Effect.succeed(found) : Effect.fail(new NotFound({ message: "Job not found" }))));
  }

  /**
   * Jobs newest first; with a `viewer`, only those they may see (still up to `limit` of them).
   * A non-administrator's are asked of the store by owner (`JobQuery.owner`, `mayAccess`'s rule),
   * so the store reads up to `limit` of theirs, not every user's jobs to filter them here.
   */
  list(query: JobQuery = {}, viewer?: Viewer): Effect.Effect<Job[], StorageFailure> {
    if (viewer === undefined || viewer.admin) return this.store.list(query);
    return this.store.list({ ...query, owner: viewer.userId });
  }

  cancel(id: string, viewer?: Viewer): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    return Effect.andThen(this.visible(id, viewer), cancelJob(this.deps, id));
  }

  retry(id: string, viewer?: Viewer): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    return Effect.andThen(this.visible(id, viewer), retryJob(this.deps, id));
  }

  private visible(id: string, viewer: Viewer | undefined): Effect.Effect<void, NotFound | StorageFailure> {
    return viewer === undefined ? Effect.void : Effect.asVoid(this.get(id, viewer));
  }

  /** Frees the exclusivity claim of a job that reached a terminal state (no-op for other pipelines). */
  releaseExclusive(job: Job): Effect.Effect<void> {
    return releaseExclusiveOf(this.deps, job);
  }

  logs(id: string, offset: number, limit = 1000, viewer?: Viewer): Effect.Effect<LogPage, NotFound | StorageFailure> {
    return Effect.andThen(this.visible(id, viewer), readJobLog({ store: this.store, logs: this.logStore }, id, offset, limit));
  }

  /** How many lines a job's `output[]` holds. */
  get outputLines(): number {
    return this.options.outputLines ?? DEFAULT_OUTPUT_LINES;
  }

  /** The §C job's `output[]`: the last `count` lines the process itself wrote (see `readOutputTail`). */
  outputTail(id: string, count = this.outputLines): Effect.Effect<string[], StorageFailure> {
    return readOutputTail(this.logStore, id, count);
  }

  /** The running job, if any (the §C UI shows one at a time); with a `viewer`, the newest one they may see. */
  current(viewer?: Viewer): Effect.Effect<Job | undefined, StorageFailure> {
    return this.list({ status: "running", limit: 1 }, viewer).pipe(Effect.map((jobs) => jobs[0]));
  }
}
