import { Effect } from "effect";
import { z } from "zod";
import { Conflict, InvalidInput, NotFound, type StorageFailure } from "@parallax/domain";
import {
  PreconditionFailed,
  createJob,
  isJobId,
  jobIdSchema,
  prioritySchema,
  isTerminal,
  requestCancel,
  resolveParams,
  retry,
  substituteCommand,
  type IllegalTransition,
  type Job,
  type Pipeline,
  type RawParams,
} from "@parallax/domain/jobs";
import type { Clock } from "../shared/clock.port.js";
import type { IdGenerator } from "../shared/id-generator.port.js";
import { DEFAULT_EXCLUSIVE_GRACE_MS, acquireExclusive, releaseExclusive } from "./exclusive-claim.js";
import type { JobQuery, JobStore } from "./job-store.port.js";
import type { LogPage, LogStore } from "./log-store.port.js";
import type { JobChanges } from "./job-changes.js";
import { modifyJob } from "./modify-job.js";
import type { PipelineCatalog } from "./pipeline-catalog.js";
import type { Workspace } from "./workspace.port.js";

export interface SubmitOptions {
  readonly priority?: number;
  /** Follow-ups queued by the worker skip nothing: they obey preconditions and exclusivity too. */
  readonly triggeredBy?: string;
  /**
   * A deterministic id makes the submit idempotent: when a job with this id exists it is
   * returned as it is (a follow-up queued again after a crash finds the first one).
   */
  readonly id?: string;
}

export interface JobServiceOptions {
  /** How long an exclusivity claim whose job is not written yet still counts as held. */
  readonly exclusiveGraceMs?: number;
  /** Lines of the process's own output in a job's `output[]` (the whole log is at the log API). */
  readonly outputLines?: number;
}

export const DEFAULT_OUTPUT_LINES = 1000;
/** Log lines read at once while collecting the output tail. */
const PAGE_LINES = 1000;

const illegalAsConflict = <A, E, R>(effect: Effect.Effect<A, E | IllegalTransition, R>) =>
  Effect.catchTag(effect as Effect.Effect<A, IllegalTransition, R>, "IllegalTransition", (error) =>
    Effect.fail(new Conflict({ message: error.message })),
  ) as Effect.Effect<A, Exclude<E, IllegalTransition> | Conflict, R>;

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): Effect.Effect<T, InvalidInput> {
  const parsed = schema.safeParse(value);
  return parsed.success ? Effect.succeed(parsed.data) : Effect.fail(new InvalidInput({ message: `Invalid ${what}: ${z.prettifyError(parsed.error)}` }));
}

/** The jobs use cases the HTTP host and library users call: submit, cancel, retry, read. */
export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly logStore: LogStore,
    private readonly catalog: PipelineCatalog,
    private readonly workspace: Workspace,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    /** Where submits, cancels and retries are announced (the feed and the local worker listen). */
    readonly changes: JobChanges,
    private readonly options: JobServiceOptions = {},
  ) {}

  pipeline(name: string): Effect.Effect<Pipeline, NotFound> {
    const pipeline = this.catalog.get(name);
    return pipeline ? Effect.succeed(pipeline) : Effect.fail(new NotFound({ message: `Pipeline not found: ${name}` }));
  }

  submit(
    name: string,
    rawParams: RawParams = {},
    options: SubmitOptions = {},
  ): Effect.Effect<Job, NotFound | InvalidInput | PreconditionFailed | Conflict | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const pipeline = yield* self.pipeline(name);
      yield* checked(prioritySchema.optional(), options.priority, "priority");
      yield* checked(jobIdSchema.optional(), options.id, "job id");
      const params = yield* Effect.mapError(Effect.fromResult(resolveParams(pipeline, rawParams)), (message) => new InvalidInput({ message }));
      if (options.id !== undefined) {
        const existing = yield* self.store.get(options.id).pipe(
          Effect.map((job): Job | undefined => job),
          Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
        );
        if (existing !== undefined) return existing;
      }
      yield* self.checkPreconditions(pipeline);
      const id = options.id ?? self.ids.next();
      const builtins = {
        job_id: id,
        base_dir: self.workspace.resolve("."),
        annotations_file: self.workspace.resolve(self.catalog.file.annotations_file),
      };
      const job = createJob(
        {
          id,
          pipeline: pipeline.name,
          command: substituteCommand(pipeline.command, { ...builtins, ...params }),
          params,
          cwd: self.workspace.resolve(pipeline.cwd),
          env: { ...pipeline.env, PARALLAX_JOB_ID: id, ...(options.triggeredBy ? { PARALLAX_TRIGGERED_BY: options.triggeredBy } : {}) },
          timeoutMs: pipeline.timeout_s === null ? null : Math.round(pipeline.timeout_s * 1000),
          then: pipeline.then,
          ...(options.triggeredBy === undefined ? {} : { triggeredBy: options.triggeredBy }),
          priority: options.priority ?? pipeline.priority,
          maxAttempts: pipeline.max_attempts,
          maxStalls: pipeline.max_stalls,
          backoff: { baseMs: pipeline.backoff_s.base * 1000, maxMs: pipeline.backoff_s.max * 1000 },
        },
        self.clock.now().getTime(),
      );
      // The claim is taken before the insert: a job of an exclusive pipeline is never visible
      // without holding it, so no second one can be accepted by any process meanwhile.
      if (pipeline.exclusive) yield* acquireExclusive(self.store, pipeline.name, id, job.version, self.now, self.graceMs);
      return yield* self.store.insert(job).pipe(
        Effect.tap((inserted) => self.changes.publish({ jobId: inserted.id, change: "submitted", ...(options.triggeredBy === undefined ? {} : { triggeredBy: options.triggeredBy }) })),
        Effect.catchTag("Conflict", (conflict) => (options.id === undefined ? Effect.fail(conflict) : self.store.get(options.id).pipe(Effect.orElseSucceed(() => job)))),
      );
    });
  }

  private checkPreconditions(pipeline: Pipeline): Effect.Effect<void, PreconditionFailed | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      for (const glob of pipeline.requires) {
        const matches = yield* self.workspace.countMatches(glob);
        if (matches === 0) {
          return yield* Effect.fail(new PreconditionFailed({ message: pipeline.requires_message ?? `Precondition failed: nothing matches ${glob}` }));
        }
      }
    });
  }

  /** An id no job can have (too long, unsafe characters) is simply not found, without asking the store. */
  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    const notFound = () => Effect.fail(new NotFound({ message: "Job not found" }));
    return isJobId(id) ? this.store.get(id).pipe(Effect.catchTag("NotFound", notFound)) : notFound();
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return this.store.list(query);
  }

  cancel(id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    const now = this.clock.now().getTime();
    return this.get(id).pipe(
      Effect.andThen(() => illegalAsConflict(modifyJob(this.store, id, (job) => requestCancel(job, now)))),
      Effect.tap((job) => this.releaseExclusive(job)),
      Effect.tap((job) => this.changes.publish({ jobId: job.id, change: "cancelled" })),
    );
  }

  /** A retried job of an exclusive pipeline takes the claim again, or 409 while another job holds it. */
  retry(id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const job = yield* self.get(id);
      if (self.catalog.get(job.pipeline)?.exclusive && isTerminal(job.status)) {
        yield* acquireExclusive(self.store, job.pipeline, job.id, job.version + 1, self.now, self.graceMs);
      }
      const now = self.now();
      const retried = yield* illegalAsConflict(modifyJob(self.store, id, (current) => retry(current, now)));
      yield* self.changes.publish({ jobId: retried.id, change: "retried" });
      return retried;
    });
  }

  /** Frees the exclusivity claim of a job that reached a terminal state (no-op for other pipelines). */
  releaseExclusive(job: Job): Effect.Effect<void> {
    if (!isTerminal(job.status) || !this.catalog.get(job.pipeline)?.exclusive) return Effect.void;
    return releaseExclusive(this.store, job, this.now());
  }

  private readonly now = () => this.clock.now().getTime();

  private get graceMs(): number {
    return this.options.exclusiveGraceMs ?? DEFAULT_EXCLUSIVE_GRACE_MS;
  }

  logs(id: string, offset: number, limit = 1000): Effect.Effect<LogPage, NotFound | StorageFailure> {
    return this.get(id).pipe(Effect.andThen(() => this.logStore.read(id, offset, limit)));
  }

  /** How many lines a job's `output[]` holds. */
  get outputLines(): number {
    return this.options.outputLines ?? DEFAULT_OUTPUT_LINES;
  }

  /**
   * The §C job's `output[]`: the last `count` lines the process itself wrote. Parallax's own
   * `system` lines (started, retried, exit reasons) are only in the log API; reading goes back
   * page by page past them, so a retried job still shows `count` lines of its own.
   */
  outputTail(id: string, count = this.outputLines): Effect.Effect<string[], StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const pages: string[][] = [];
      let wanted = count;
      let end = yield* self.logStore.size(id);
      while (wanted > 0 && end > 0) {
        const from = Math.max(0, end - Math.min(wanted, PAGE_LINES));
        const page = yield* self.logStore.read(id, from, end - from);
        const own = page.lines.filter((line) => line.stream !== "system").map((line) => line.message);
        pages.unshift(own);
        wanted -= own.length;
        end = from;
      }
      return pages.flat();
    });
  }

  /** The running job, if any (the §C UI shows one at a time). */
  current(): Effect.Effect<Job | undefined, StorageFailure> {
    return this.store.list({ status: "running", limit: 1 }).pipe(Effect.map((jobs) => jobs[0]));
  }
}
