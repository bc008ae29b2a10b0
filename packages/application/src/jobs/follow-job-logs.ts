import { Effect } from "effect";
import { isTerminal, type Job } from "@parallax/domain/jobs";
import type { FeedEvent, JobFeed } from "./job-feed.js";
import type { JobStore } from "./job-store.port.js";
import type { LogLine, LogStore } from "./log-store.port.js";

export type FollowMessage = { readonly type: "line"; readonly line: LogLine } | { readonly type: "status"; readonly job: Job } | { readonly type: "end"; readonly job: Job };

/**
 * Streams one job's log from `fromOffset`, then live, delivering every line exactly once
 * and in order: live lines are only accepted at the expected offset, and any gap (the
 * catch-up, or lines published while catching up) is filled from the store. Ends with
 * `end` once the job is terminal and all its lines were sent.
 */
export function followJobLogs(
  deps: { feed: JobFeed; store: JobStore; logs: LogStore },
  jobId: string,
  fromOffset: number,
  send: (message: FollowMessage) => void,
  /** Resolves when the client can take more: replaying a long log waits for it between pages. */
  ready: () => Promise<void> = () => Promise.resolve(),
): () => void {
  let next = Math.max(0, fromOffset);
  let ended = false;
  let chain: Promise<void> = Promise.resolve();

  const fillTo = (target: number | undefined) =>
    Effect.gen(function* () {
      while (target === undefined || next < target) {
        const limit = target === undefined ? 1000 : Math.min(1000, target - next);
        const page = yield* deps.logs.read(jobId, next, limit);
        for (const line of page.lines) deliver(line);
        if (page.lines.length < limit || ended) return;
        yield* Effect.promise(ready);
      }
    });

  const deliver = (line: LogLine) => {
    if (ended || line.offset !== next) return;
    next = line.offset + 1;
    send({ type: "line", line });
  };

  const finish = (job: Job) =>
    Effect.gen(function* () {
      yield* fillTo(undefined);
      if (!ended) {
        ended = true;
        send({ type: "end", job });
      }
    });

  const handle = (event: FeedEvent) =>
    Effect.gen(function* () {
      if (ended || event.job.id !== jobId) return;
      if (event.type === "status") send({ type: "status", job: event.job });
      else if (event.type === "lines") {
        const first = event.lines[0];
        if (first && first.offset > next) yield* fillTo(first.offset);
        for (const line of event.lines) deliver(line);
      } else yield* finish(event.job);
    });

  const enqueue = (program: Effect.Effect<void, unknown>) => {
    chain = chain.then(() => Effect.runPromise(program.pipe(Effect.catchCause(() => Effect.void))));
  };

  const unsubscribe = deps.feed.subscribe((event) => {
    if (event.job.id === jobId) enqueue(handle(event));
  });
  enqueue(
    Effect.gen(function* () {
      const job = yield* deps.store.get(jobId);
      yield* fillTo(undefined);
      if (isTerminal(job.status)) yield* finish(job);
      else deps.feed.follow(jobId);
    }),
  );
  return () => {
    ended = true;
    unsubscribe();
  };
}
