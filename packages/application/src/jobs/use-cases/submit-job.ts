import * as Effect from "effect/Effect";
import { z } from "zod";
import { InvalidInput, NotFound, type Conflict, type StorageFailure } from "@parallax/domain";
import { PreconditionFailed, createJob, jobIdSchema, prioritySchema, resolveParams, substituteCommand, type Job, type Pipeline, type RawParams } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import type { IdGenerator } from "../../shared/id-generator.port.js";
import { acquireExclusive } from "../exclusive-claim.js";
import type { JobChanges } from "../feed/job-changes.js";
import type { PipelineCatalog } from "../pipeline-catalog.js";
import type { JobStore } from "../ports/job-store.port.js";
import type { Workspace } from "../ports/workspace.port.js";
import { findJob } from "./get-job.js";

export interface SubmitOptions {
  readonly priority?: number;
  /** Follow-ups queued by the worker skip nothing: they obey preconditions and exclusivity too. */
  readonly triggeredBy?: string;
  /**
   * A deterministic id makes the submit idempotent: when a job with this id exists it is
   * returned as it is (a follow-up queued again after a crash finds the first one).
   */
  readonly id?: string;
  /** The user the job belongs to (absent: `local`'s, as jobs stored before owners were kept). */
  readonly owner?: string;
}

export interface SubmitJobDeps {
  readonly store: JobStore;
  readonly catalog: PipelineCatalog;
  readonly workspace: Workspace;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly changes: JobChanges;
  /** How long an exclusivity claim whose job is not written yet still counts as held. */
  readonly exclusiveGraceMs: number;
}

/** The pipeline named `name`, or 404. */
export function findPipeline(catalog: PipelineCatalog, name: string): Effect.Effect<Pipeline, NotFound> {
  const pipeline = catalog.get(name);
  return pipeline ? Effect.succeed(pipeline) : Effect.fail(new NotFound({ message: `Pipeline not found: ${name}` }));
}

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): Effect.Effect<T, InvalidInput> {
  const parsed = schema.safeParse(value);
  return parsed.success ? Effect.succeed(parsed.data) : Effect.fail(new InvalidInput({ message: `Invalid ${what}: ${z.prettifyError(parsed.error)}` }));
}

function checkPreconditions(workspace: Workspace, pipeline: Pipeline): Effect.Effect<void, PreconditionFailed | StorageFailure> {
  return Effect.gen(function* () {
    for (const glob of pipeline.requires) {
      const matches = yield* workspace.countMatches(glob);
      if (matches === 0) {
        return yield* Effect.fail(new PreconditionFailed({ message: pipeline.requires_message ?? `Precondition failed: nothing matches ${glob}` }));
      }
    }
  });
}

/**
 * Queues a job of pipeline `name` with `rawParams` checked against the pipeline's params:
 * its preconditions must hold, and an exclusive pipeline's claim is taken first (409 while
 * another job holds it). The submit is announced on `JobChanges`.
 */
export function submitJob(
  deps: SubmitJobDeps,
  name: string,
  rawParams: RawParams = {},
  options: SubmitOptions = {},
): Effect.Effect<Job, NotFound | InvalidInput | PreconditionFailed | Conflict | StorageFailure> {
  return Effect.gen(function* () {
    const pipeline = yield* findPipeline(deps.catalog, name);
    yield* checked(prioritySchema.optional(), options.priority, "priority");
    yield* checked(jobIdSchema.optional(), options.id, "job id");
    const params = yield* Effect.mapError(Effect.fromResult(resolveParams(pipeline, rawParams)), (message) => new InvalidInput({ message }));
    if (options.id !== undefined) {
      const existing = yield* findJob(deps.store, options.id);
      if (existing !== undefined) return existing;
    }
    yield* checkPreconditions(deps.workspace, pipeline);
    const id = options.id ?? deps.ids.next();
    const builtins = {
      job_id: id,
      base_dir: deps.workspace.resolve("."),
      annotations_file: deps.workspace.resolve(deps.catalog.file.annotations_file),
    };
    const now = () => deps.clock.now().getTime();
    const job = createJob(
      {
        id,
        pipeline: pipeline.name,
        command: substituteCommand(pipeline.command, { ...builtins, ...params }),
        params,
        cwd: deps.workspace.resolve(pipeline.cwd),
        env: { ...pipeline.env, PARALLAX_JOB_ID: id, ...(options.triggeredBy ? { PARALLAX_TRIGGERED_BY: options.triggeredBy } : {}) },
        timeoutMs: pipeline.timeout_s === null ? null : Math.round(pipeline.timeout_s * 1000),
        then: pipeline.then,
        ...(options.triggeredBy === undefined ? {} : { triggeredBy: options.triggeredBy }),
        ...(options.owner === undefined ? {} : { owner: options.owner }),
        priority: options.priority ?? pipeline.priority,
        maxAttempts: pipeline.max_attempts,
        maxStalls: pipeline.max_stalls,
        backoff: { baseMs: pipeline.backoff_s.base * 1000, maxMs: pipeline.backoff_s.max * 1000 },
      },
      now(),
    );
    // The claim is taken before the insert: a job of an exclusive pipeline is never visible
    // without holding it, so no second one can be accepted by any process meanwhile.
    if (pipeline.exclusive) yield* acquireExclusive(deps.store, pipeline.name, id, job.version, now, deps.exclusiveGraceMs);
    return yield* deps.store.insert(job).pipe(
      Effect.tap((inserted) => deps.changes.publish({ jobId: inserted.id, change: "submitted", ...(options.triggeredBy === undefined ? {} : { triggeredBy: options.triggeredBy }) })),
      // Someone inserted this id first (a follow-up queued twice at once): theirs is the job.
      Effect.catchTag("Conflict", (conflict) =>
        options.id === undefined
          ? Effect.fail(conflict)
          : deps.store.get(options.id).pipe(Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: inserted by another submit, but not read back; answering this submit's copy`, error), job))),
      ),
    );
  });
}
