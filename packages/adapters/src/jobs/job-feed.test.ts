import { Effect, PubSub, Result, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import { claim, pipelinesFileSchema } from "@parallax/domain/jobs";
import type { Clock } from "@parallax/application";
import { JobChanges, JobFeed, PipelineJobs, PipelineCatalog, type FeedEvent, type JobStore, type Workspace } from "@parallax/application/jobs";
import { advance, sequentialIds, strictFake, withTestClock } from "@parallax/application/testing";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";

/** The live feed's timing on effect's TestClock: what wakes it at once, what waits for its poll. */
const catalog = new PipelineCatalog(pipelinesFileSchema.parse({ pipelines: [{ name: "train", command: ["true"] }] }));
const workspace = strictFake<Workspace>("Workspace", { resolve: (path) => `/workspace/${path}` });
const pollMs = 100;

/** Nothing is published until the next poll, then `expected` is. */
const atNextPoll = (taken: Effect.Effect<string[]>, expected: string[]) =>
  Effect.gen(function* () {
    yield* advance(pollMs - 1);
    expect(yield* taken).toEqual([]);
    yield* advance(1);
    expect(yield* taken).toEqual(expected);
  });

/** A job submitted in this process, whose status the feed publishes at once. */
const submittedHere = (service: PipelineJobs, taken: Effect.Effect<string[]>) =>
  Effect.gen(function* () {
    const job = yield* service.submit("train");
    yield* advance(0);
    expect(yield* taken).toEqual(["status pending"]);
    return job;
  });

const describeEvent = (event: FeedEvent) =>
  event.type === "lines" ? `lines ${event.lines.map((line) => line.message).join(",")}` : `${event.type} ${event.job.status}`;

function feedTest(body: (s: ReturnType<typeof setup>, clock: Clock) => Effect.Effect<void, unknown, Scope.Scope>, store: (inner: JobStore) => JobStore = (inner) => inner) {
  return () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const s = setup(clock, store);
          yield* Effect.forkScoped(s.feed.run);
          yield* advance(0);
          yield* body(s, clock);
        }),
      ),
    );
}

function setup(clock: Clock, wrap: (inner: JobStore) => JobStore) {
  const store = new MemoryJobStore();
  const logs = new MemoryLogStore();
  const changes = new JobChanges();
  const feed = new JobFeed(wrap(store), logs, clock, { pollMs }, changes);
  const service = new PipelineJobs(store, logs, catalog, workspace, clock, sequentialIds("job"), changes);
  // Another process sharing the stores: nothing it does is announced to this feed.
  const elsewhere = new PipelineJobs(store, logs, catalog, workspace, clock, sequentialIds("remote"), new JobChanges());
  const events = Effect.gen(function* () {
    const subscription = yield* feed.subscribe();
    return Effect.map(PubSub.takeUpTo(subscription, 1000), (taken) => taken.map(describeEvent));
  });
  /** Another process's worker starts `id` and writes `lines`. */
  const runElsewhere = (id: string, lines: string[]) =>
    Effect.gen(function* () {
      const job = yield* store.get(id);
      const claimed = claim(job, { owner: "remote", token: "remote-1", now: clock.now().getTime(), leaseMs: 30_000 });
      if (Result.isFailure(claimed)) throw new Error("claim refused");
      yield* store.replace(claimed.success, job.version);
      yield* logs.append(id, lines.map((message) => ({ stream: "stdout" as const, timestamp: clock.now().toISOString(), message })));
    });
  return { store, logs, feed, service, elsewhere, events, runElsewhere };
}

describe("JobFeed timing (TestClock)", () => {
  it("follows a job submitted here at once; sees another process run it at its next poll", feedTest(({ service, events, runElsewhere }) =>
    Effect.gen(function* () {
      const taken = yield* events;
      const job = yield* submittedHere(service, taken);
      yield* runElsewhere(job.id, ["epoch 1", "epoch 2"]);
      yield* atNextPoll(taken, ["status running", "lines epoch 1,epoch 2"]);
    }),
  ));

  it("finds a job another process runs at its next poll, from its start", feedTest(({ elsewhere, events, runElsewhere }) =>
    Effect.gen(function* () {
      const taken = yield* events;
      const job = yield* elsewhere.submit("train");
      yield* runElsewhere(job.id, ["hello"]);
      yield* atNextPoll(taken, ["status running", "lines hello"]);
    }),
  ));

  it("re-reads a queued job only every second unless woken: a cancel elsewhere ends it then, once", feedTest(({ service, elsewhere, events }) =>
    Effect.gen(function* () {
      const taken = yield* events;
      const job = yield* submittedHere(service, taken);
      yield* elsewhere.cancel(job.id);
      yield* advance(999);
      expect(yield* taken).toEqual([]);
      yield* advance(pollMs);
      expect(yield* taken).toEqual(["finished cancelled"]);
      yield* advance(5 * pollMs);
      expect(yield* taken).toEqual([]);
    }),
  ));

  it("a pass that fails is tried again at the next poll", () => {
    // The first pass (at start) works; the second fails.
    let passes = 0;
    const flaky = (inner: JobStore): JobStore => ({
      ...inner,
      insert: (job) => inner.insert(job),
      get: (id) => inner.get(id),
      claimCandidates: (now, limit) => inner.claimCandidates(now, limit),
      replace: (next, expected) => inner.replace(next, expected),
      getExclusive: (pipeline) => inner.getExclusive(pipeline),
      putExclusive: (next, expected) => inner.putExclusive(next, expected),
      list: (query) => (++passes === 2 ? Effect.die(new Error("store unreachable")) : inner.list(query)),
    });
    return feedTest(({ elsewhere, events, runElsewhere }) =>
      Effect.gen(function* () {
        const taken = yield* events;
        const job = yield* elsewhere.submit("train");
        yield* runElsewhere(job.id, ["hello"]);
        yield* advance(pollMs);
        expect(passes).toBe(2);
        expect(yield* taken).toEqual([]);
        yield* advance(pollMs);
        expect(yield* taken).toEqual(["status running", "lines hello"]);
      }),
    flaky)();
  });
});
