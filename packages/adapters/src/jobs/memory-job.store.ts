import * as Effect from "effect/Effect";
import { Conflict, NotFound, type StorageFailure } from "@parallax/domain";
import { VersionConflict, compareQueueOrder, leaseExpired, unclaimed, type ExclusiveClaim, type Job } from "@parallax/domain/jobs";
import { jobMatchesQuery, newestFirst, type JobQuery, type JobStore, type QueueDepth } from "@parallax/application/jobs";
import { QueueIndex } from "./queue-index.js";

/**
 * Jobs in one process's memory (STORAGE=memory, tests, benchmarks). The same conditional
 * writes as the durable stores; a heap keeps claiming O(log n) however long the queue.
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly queue = new QueueIndex();
  private readonly running = new Set<string>();
  private readonly claims = new Map<string, ExclusiveClaim>();

  insert(job: Job): Effect.Effect<Job, Conflict | StorageFailure> {
    return Effect.suspend((): Effect.Effect<Job, Conflict> => {
      if (this.jobs.has(job.id)) return Effect.fail(new Conflict({ message: `Job ${job.id} already exists` }));
      this.write(job);
      return Effect.succeed(job);
    });
  }

  get(id: string): Effect.Effect<Job, NotFound | StorageFailure> {
    return Effect.suspend((): Effect.Effect<Job, NotFound> => {
      const job = this.jobs.get(id);
      return job ? Effect.succeed(job) : Effect.fail(new NotFound({ message: `Job not found: ${id}` }));
    });
  }

  list(query: JobQuery = {}): Effect.Effect<Job[], StorageFailure> {
    return Effect.sync(() => {
      const source = query.status === "running" ? [...this.running].map((id) => this.jobs.get(id)!) : [...this.jobs.values()];
      const matching = source.filter((job) => jobMatchesQuery(job, query));
      matching.sort(newestFirst);
      return query.limit === undefined ? matching : matching.slice(0, query.limit);
    });
  }

  claimCandidates(now: number, limit: number): Effect.Effect<Job[], StorageFailure> {
    return Effect.sync(() => {
      const candidates: Job[] = [];
      for (const id of this.running) {
        const job = this.jobs.get(id)!;
        if (leaseExpired(job, now)) candidates.push(job);
      }
      for (const entry of this.queue.peek(now, limit, this.isCurrent)) candidates.push(this.jobs.get(entry.id)!);
      return candidates.sort(compareQueueOrder).slice(0, Math.max(limit, 1));
    });
  }

  queueDepth(now: number, limit: number): Effect.Effect<QueueDepth, StorageFailure> {
    return Effect.sync(() => {
      let due = 0;
      let oldestDueAt: number | null = null;
      // Memory is cheap to walk: the oldest is exact even past the limit.
      for (const job of this.jobs.values()) {
        if (job.status !== "pending" || job.runAt > now) continue;
        due++;
        oldestDueAt = oldestDueAt === null ? job.runAt : Math.min(oldestDueAt, job.runAt);
      }
      return { due: Math.min(due, limit), oldestDueAt, truncated: due > limit };
    });
  }

  replace(next: Job, expectedVersion: number): Effect.Effect<Job, VersionConflict | NotFound | StorageFailure> {
    return Effect.suspend((): Effect.Effect<Job, VersionConflict | NotFound> => {
      const current = this.jobs.get(next.id);
      if (!current) return Effect.fail(new NotFound({ message: `Job not found: ${next.id}` }));
      if (current.version !== expectedVersion || next.version !== expectedVersion + 1) {
        return Effect.fail(new VersionConflict({ message: `Job ${next.id} changed (version ${current.version}, expected ${expectedVersion})`, jobId: next.id }));
      }
      this.write(next);
      return Effect.succeed(next);
    });
  }

  getExclusive(pipeline: string): Effect.Effect<ExclusiveClaim, StorageFailure> {
    return Effect.sync(() => this.claims.get(pipeline) ?? unclaimed(pipeline));
  }

  putExclusive(next: ExclusiveClaim, expectedVersion: number): Effect.Effect<ExclusiveClaim, VersionConflict | StorageFailure> {
    return Effect.suspend((): Effect.Effect<ExclusiveClaim, VersionConflict> => {
      const current = this.claims.get(next.pipeline)?.version ?? 0;
      if (current !== expectedVersion || next.version !== expectedVersion + 1) {
        return Effect.fail(new VersionConflict({ message: `Exclusive claim of ${next.pipeline} changed`, jobId: next.holder ?? "" }));
      }
      this.claims.set(next.pipeline, next);
      return Effect.succeed(next);
    });
  }

  /** The queue entry is still the pending job's (else the job moved on: the entry is dropped). */
  private readonly isCurrent = (entry: { id: string; version: number }): boolean => {
    const job = this.jobs.get(entry.id);
    return job !== undefined && job.version === entry.version && job.status === "pending";
  };

  private write(job: Job): void {
    this.jobs.set(job.id, job);
    if (job.status === "running") this.running.add(job.id);
    else this.running.delete(job.id);
    // Written by this process, whose clock has reached `updatedAt`.
    if (job.status === "pending") this.queue.add(job, job.updatedAt);
  }
}
