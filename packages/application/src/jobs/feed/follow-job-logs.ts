import * as Effect from "effect/Effect";
import * as PubSub from "effect/PubSub";
import * as Queue from "effect/Queue";
import * as Stream from "effect/Stream";
import type * as Cause from "effect/Cause";
import type { NotFound, StorageFailure } from "@parallax/domain";
import { isTerminal, type Job } from "@parallax/domain/jobs";
import type { FeedEvent, JobFeed } from "./job-feed.js";
import type { JobStore } from "../ports/job-store.port.js";
import type { LogLine, LogStore } from "../ports/log-store.port.js";

export type FollowMessage = { readonly type: "line"; readonly line: LogLine } | { readonly type: "status"; readonly job: Job } | { readonly type: "end"; readonly job: Job };

/** Lines read from the store at once while catching up. */
const PAGE_LINES = 1000;

/**
 * One job's log from `fromOffset`, then live, every line exactly once and in order: live
 * lines are only accepted at the expected offset, and any gap (the catch-up, or lines
 * published while catching up) is filled from the store. Ends after `end`, once the job is
 * terminal and all its lines were sent. The stream is pulled: a slow consumer holds the
 * catch-up back (at most `PAGE_LINES` lines wait for it) instead of growing memory.
 */
export function followJobLogs(deps: { feed: JobFeed; store: JobStore; logs: LogStore }, jobId: string, fromOffset: number): Stream.Stream<FollowMessage, NotFound | StorageFailure> {
  return Stream.callback<FollowMessage, NotFound | StorageFailure>(
    (queue) =>
      Effect.gen(function* () {
        // Subscribed before the first read: nothing published meanwhile is missed.
        const events = yield* deps.feed.subscribe();
        const follower = new Follower(deps.logs, jobId, Math.max(0, fromOffset), queue);
        const job = yield* deps.store.get(jobId);
        yield* follower.fillTo(undefined);
        if (isTerminal(job.status)) return yield* follower.finish(job);
        deps.feed.follow(jobId);
        while (!follower.ended) yield* follower.handle(yield* PubSub.take(events));
      }),
    { bufferSize: PAGE_LINES, strategy: "suspend" },
  );
}

class Follower {
  ended = false;

  constructor(
    private readonly logs: LogStore,
    private readonly jobId: string,
    private next: number,
    private readonly queue: Queue.Queue<FollowMessage, NotFound | StorageFailure | Cause.Done>,
  ) {}

  fillTo(target: number | undefined): Effect.Effect<void, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      while (target === undefined || self.next < target) {
        const limit = target === undefined ? PAGE_LINES : Math.min(PAGE_LINES, target - self.next);
        const page = yield* self.logs.read(self.jobId, self.next, limit);
        for (const line of page.lines) yield* self.deliver(line);
        if (page.lines.length < limit || self.ended) return;
      }
    });
  }

  finish(job: Job): Effect.Effect<void, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      yield* self.fillTo(undefined);
      if (self.ended) return;
      self.ended = true;
      yield* Queue.offer(self.queue, { type: "end", job });
      yield* Queue.end(self.queue);
    });
  }

  handle(event: FeedEvent): Effect.Effect<void, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      if (self.ended || event.job.id !== self.jobId) return;
      if (event.type === "status") yield* Queue.offer(self.queue, { type: "status", job: event.job });
      else if (event.type === "lines") {
        const first = event.lines[0];
        if (first && first.offset > self.next) yield* self.fillTo(first.offset);
        for (const line of event.lines) yield* self.deliver(line);
      } else yield* self.finish(event.job);
    });
  }

  private deliver(line: LogLine): Effect.Effect<void> {
    if (this.ended || line.offset !== this.next) return Effect.void;
    this.next = line.offset + 1;
    return Effect.asVoid(Queue.offer(this.queue, { type: "line", line }));
  }
}
