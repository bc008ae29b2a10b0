import * as Effect from "effect/Effect";
import { NotFound, type StorageFailure } from "@parallax/domain";
import { isJobId, type Job } from "@parallax/domain/jobs";
import type { JobStore } from "../ports/job-store.port.js";

/** A job by id. An id no job can have (too long, unsafe characters) is simply not found, without asking the store. */
export function getJob(store: JobStore, id: string): Effect.Effect<Job, NotFound | StorageFailure> {
  const notFound = () => Effect.fail(new NotFound({ message: "Job not found" }));
  return isJobId(id) ? store.get(id).pipe(Effect.catchTag("NotFound", notFound)) : notFound();
}

/** The job, or undefined when there is none with this id. */
export function findJob(store: JobStore, id: string): Effect.Effect<Job | undefined, StorageFailure> {
  return getJob(store, id).pipe(
    Effect.map((job): Job | undefined => job),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
  );
}
