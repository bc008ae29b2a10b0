import { Effect, Semaphore } from "effect";
import { Conflict, InvalidInput, NotFound, type StorageFailure } from "@parallax/domain";
import {
  PreconditionFailed,
  createJob,
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
import type { JobQuery, JobStore } from "./job-store.port.js";
import type { LogPage, LogStore } from "./log-store.port.js";
import { modifyJob } from "./modify-job.js";
import type { PipelineCatalog } from "./pipeline-catalog.js";
import type { Workspace } from "./workspace.port.js";

export interface SubmitOptions {
  readonly priority?: number;
  /** Follow-ups queued by the worker skip nothing: they obey preconditions and exclusivity too. */
  readonly triggeredBy?: string;
}

const illegalAsConflict = <A, E, R>(effect: Effect.Effect<A, E | IllegalTransition, R>) =>
  Effect.catchTag(effect as Effect.Effect<A, IllegalTransition, R>, "IllegalTransition", (error) =>
    Effect.fail(new Conflict({ message: error.message })),
  ) as Effect.Effect<A, Exclude<E, IllegalTransition> | Conflict, R>;

/** The jobs use cases the HTTP host and library users call: submit, cancel, retry, read. */
export class JobService {
  /** Serialises this process's exclusivity checks with their inserts. */
  private readonly submitLock = Semaphore.makeUnsafe(1);

  constructor(
    private readonly store: JobStore,
    private readonly logStore: LogStore,
    private readonly catalog: PipelineCatalog,
    private readonly workspace: Workspace,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
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
      const resolved = resolveParams(pipeline, rawParams);
      if (!resolved.ok) return yield* Effect.fail(new InvalidInput({ message: resolved.message }));
      yield* self.checkPreconditions(pipeline);
      const id = self.ids.next();
      const builtins = {
        job_id: id,
        base_dir: self.workspace.resolve("."),
        annotations_file: self.workspace.resolve(self.catalog.file.annotations_file),
      };
      const job = createJob(
        {
          id,
          pipeline: pipeline.name,
          command: substituteCommand(pipeline.command, { ...builtins, ...resolved.params }),
          params: resolved.params,
          cwd: self.workspace.resolve(pipeline.cwd),
          env: { ...pipeline.env, PARALLAX_JOB_ID: id, ...(options.triggeredBy ? { PARALLAX_TRIGGERED_BY: options.triggeredBy } : {}) },
          timeoutMs: pipeline.timeout_s === null ? null : Math.round(pipeline.timeout_s * 1000),
          then: pipeline.then,
          priority: options.priority ?? pipeline.priority,
          maxAttempts: pipeline.max_attempts,
          maxStalls: pipeline.max_stalls,
          backoff: { baseMs: pipeline.backoff_s.base * 1000, maxMs: pipeline.backoff_s.max * 1000 },
        },
        self.clock.now().getTime(),
      );
      if (!pipeline.exclusive) return yield* self.store.insert(job);
      return yield* self.submitLock.withPermits(1)(
        Effect.gen(function* () {
          const active = [
            ...(yield* self.store.list({ pipeline: pipeline.name, status: "running", limit: 1 })),
            ...(yield* self.store.list({ pipeline: pipeline.name, status: "pending", limit: 1 })),
          ];
          if (active.length > 0) {
            return yield* Effect.fail(new Conflict({ message: `Job already running: ${pipeline.name}`, details: { job_id: active[0]!.id } }));
          }
          return yield* self.store.insert(job);
        }),
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

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return this.store.get(id).pipe(Effect.catchTag("NotFound", () => Effect.fail(new NotFound({ message: "Job not found" }))));
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return this.store.list(query);
  }

  cancel(id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    const now = this.clock.now().getTime();
    return this.get(id).pipe(Effect.andThen(() => illegalAsConflict(modifyJob(this.store, id, (job) => requestCancel(job, now)))));
  }

  retry(id: string): Effect.Effect<Job, NotFound | Conflict | StorageFailure> {
    const now = this.clock.now().getTime();
    return this.get(id).pipe(Effect.andThen(() => illegalAsConflict(modifyJob(this.store, id, (job) => retry(job, now)))));
  }

  logs(id: string, offset: number, limit = 1000): Effect.Effect<LogPage, NotFound | StorageFailure> {
    return this.get(id).pipe(Effect.andThen(() => this.logStore.read(id, offset, limit)));
  }

  /** The last `count` output lines, as the §C job's `output[]`. */
  outputTail(id: string, count: number): Effect.Effect<string[], StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const size = yield* self.logStore.size(id);
      const page = yield* self.logStore.read(id, Math.max(0, size - count), count);
      return page.lines.map((line) => line.message);
    });
  }

  /** The running job, if any (the §C UI shows one at a time). */
  current(): Effect.Effect<Job | undefined, StorageFailure> {
    return this.store.list({ status: "running", limit: 1 }).pipe(Effect.map((jobs) => jobs[0]));
  }
}
