import * as Effect from "effect/Effect";
import * as PubSub from "effect/PubSub";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";
import type { NotFound, StorageFailure } from "@parallax/domain";
import { isTerminal, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../shared/clock.port.js";
import type { JobChanges } from "./job-changes.js";
import type { JobStore } from "../ports/job-store.port.js";
import type { LogLine, LogStore } from "../ports/log-store.port.js";
import { Wakeup } from "../wakeup.js";
import { followJobLogs, type FollowMessage } from "./follow-job-logs.js";

export type FeedEvent =
  | { readonly type: "status"; readonly job: Job }
  | { readonly type: "lines"; readonly job: Job; readonly lines: readonly LogLine[] }
  | { readonly type: "finished"; readonly job: Job };

interface Followed {
  version: number;
  nextOffset: number;
  /** Last seen pending, and when: a queued job is looked at again only now and then. */
  pending: boolean;
  checkedAt: number;
}

/** How often a job that sits in the queue is re-read when nothing woke the feed for it. */
const PENDING_RECHECK_MS = 1_000;

export interface FeedSettings {
  /** How often the store is polled for changes made by other processes. */
  readonly pollMs: number;
  readonly pageSize?: number;
}

/**
 * The live view of jobs for one host: it follows every job that is running (in any
 * process sharing the store) or was submitted here, and publishes status changes and log
 * lines in offset order, each once, on a `PubSub`. Its only source is the stores, so jobs
 * run by remote workers and by the embedded worker look the same; `JobChanges` (submits,
 * cancels and retries here, the progress of the worker here) just wakes it early.
 *
 * It runs while `run` runs (the host forks it); it is not a store and keeps nothing for
 * subscribers that come later.
 */
export class JobFeed {
  private readonly followed = new Map<string, Followed>();
  private woken = new Set<string>();
  private readonly wakeup = new Wakeup();
  private firstTick = true;

  private made: PubSub.PubSub<FeedEvent> | undefined;
  /** Made on first use, inside an effect; a fiber that lost the race to make it uses the winner's. */
  private readonly events: Effect.Effect<PubSub.PubSub<FeedEvent>> = Effect.suspend(() =>
    this.made ? Effect.succeed(this.made) : Effect.map(PubSub.unbounded<FeedEvent>(), (made) => (this.made ??= made)),
  );

  constructor(
    private readonly store: JobStore,
    private readonly logs: LogStore,
    private readonly clock: Clock,
    private readonly settings: FeedSettings,
    private readonly changes: JobChanges,
  ) {}

  /** Events published from now on, for as long as the scope lasts. */
  subscribe(): Effect.Effect<PubSub.Subscription<FeedEvent>, never, Scope.Scope> {
    return Effect.flatMap(this.events, PubSub.subscribe);
  }

  /** One job's log from `fromOffset`, then live until it ends (see `followJobLogs`). */
  followLogs(jobId: string, fromOffset: number): Stream.Stream<FollowMessage, NotFound | StorageFailure> {
    return followJobLogs({ feed: this, store: this.store, logs: this.logs }, jobId, fromOffset);
  }

  /** Start following a job (e.g. one just submitted) and look at it soon. */
  follow(jobId: string): void {
    if (!this.followed.has(jobId)) this.followed.set(jobId, { version: 0, nextOffset: 0, pending: false, checkedAt: 0 });
    this.woken.add(jobId);
    this.wakeup.notify();
  }

  /**
   * The feed's life: follow what `JobChanges` announces, and pass over the stores every
   * `pollMs` or sooner when woken. A failed pass is logged and the next one tries again.
   */
  get run(): Effect.Effect<never> {
    const pass = this.tick().pipe(
      Effect.catchCause((cause) => Effect.logWarning("job feed: a pass over the stores failed; retrying at the next one", cause)),
      Effect.andThen(this.wakeup.wait(this.settings.pollMs)),
    );
    return Effect.scoped(
      Effect.andThen(
        Effect.forkScoped(this.changes.forEach(({ jobId }) => Effect.sync(() => this.follow(jobId)))),
        Effect.forever(pass),
      ),
    );
  }

  /** One pass over the stores; public so tests and benchmarks can drive the feed by hand. */
  tick(): Effect.Effect<void, unknown> {
    const self = this;
    return Effect.gen(function* () {
      const running = new Map((yield* self.store.list({ status: "running" })).map((job) => [job.id, job]));
      for (const job of running.values()) {
        if (self.followed.has(job.id)) continue;
        // Jobs already running when the host started are followed from their current end.
        const nextOffset = self.firstTick ? yield* self.logs.size(job.id) : 0;
        self.followed.set(job.id, { version: 0, nextOffset, pending: false, checkedAt: 0 });
      }
      self.firstTick = false;
      const woken = self.woken;
      self.woken = new Set();
      const now = self.clock.now().getTime();
      for (const [id, state] of [...self.followed]) {
        if (state.pending && !woken.has(id) && !running.has(id) && now - state.checkedAt < PENDING_RECHECK_MS) continue;
        const job = running.get(id) ?? (yield* self.store.get(id).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined))));
        if (job === undefined) {
          self.followed.delete(id);
          continue;
        }
        state.pending = job.status === "pending";
        state.checkedAt = now;
        if (job.version !== state.version && !isTerminal(job.status)) yield* self.emit({ type: "status", job });
        state.version = job.version;
        if (job.runs > 0) yield* self.drainLines(job, state);
        if (isTerminal(job.status)) {
          self.followed.delete(id);
          yield* self.emit({ type: "finished", job });
        }
      }
    });
  }

  private drainLines(job: Job, state: Followed): Effect.Effect<void, unknown> {
    const self = this;
    const pageSize = this.settings.pageSize ?? 1000;
    return Effect.gen(function* () {
      while (true) {
        const page = yield* self.logs.read(job.id, state.nextOffset, pageSize);
        if (page.lines.length > 0) yield* self.emit({ type: "lines", job, lines: page.lines });
        state.nextOffset = page.nextOffset;
        if (page.lines.length < pageSize) return;
      }
    });
  }

  /** Subscribers each take at their own pace: a slow socket does not hold the feed up. */
  private emit(event: FeedEvent): Effect.Effect<void> {
    return Effect.asVoid(Effect.flatMap(this.events, (events) => PubSub.publish(events, event)));
  }
}
