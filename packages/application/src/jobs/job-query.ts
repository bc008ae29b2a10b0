import { LOCAL_USER_ID } from "@parallax/domain";
import type { Job } from "@parallax/domain/jobs";
import type { JobQuery } from "./ports/job-store.port.js";

/** A job's owner for `JobQuery.owner`: one stored without owner is `LOCAL_USER_ID`'s (as `mayAccess` reads it). */
export const ownerOfJob = (job: Job): string => job.owner ?? LOCAL_USER_ID;

/** Whether `job` passes `query`'s filters (status, pipeline, owner; not the limit): what every store's `list` returns. */
export function jobMatchesQuery(job: Job, query: JobQuery): boolean {
  return (
    (query.status === undefined || job.status === query.status) &&
    (query.pipeline === undefined || job.pipeline === query.pipeline) &&
    (query.owner === undefined || ownerOfJob(job) === query.owner)
  );
}

/** The order of every store's `list`: newest first, ties by id descending. */
export const newestFirst = (a: Job, b: Job): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);
