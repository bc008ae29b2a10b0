import { Effect, Fiber, Result } from "effect";
import { describe, expect, it } from "vitest";
import { claim, heartbeat, pipelinesFileSchema } from "@parallax/domain/jobs";
import type { Clock } from "@parallax/application";
import { JobChanges, PipelineJobs, JobWorker, PipelineCatalog, type Workspace } from "@parallax/application/jobs";
import { advance, sequentialIds, strictFake, withTestClock } from "@parallax/application/testing";
import { StorageFailure } from "@parallax/domain";
import type { JobStore } from "@parallax/application/jobs";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { scriptedRunner, type Script } from "./scripted-runner.testkit.js";

/**
 * The worker's timing on effect's TestClock: timeouts, backoff, polls, heartbeats, cancel
 * polls and lease expiry, each checked just before and at its moment, with no real waiting.
 * Processes are scripted (`scriptedRunner`); real process groups are job-worker.processes.test.ts's.
 */
const catalog = new PipelineCatalog(
  pipelinesFileSchema.parse({
    pipelines: [
      { name: "slow", command: ["forever"], timeout_s: 0.5 },
      { name: "broken", command: ["fails"], max_attempts: 3, backoff_s: { base: 0.2, max: 1 } },
      { name: "flaky", command: ["flaky"], max_attempts: 3, backoff_s: { base: 0.05, max: 0.05 }, then: ["after"] },
      { name: "after", command: ["echo"] },
      { name: "forever", command: ["forever"] },
      { name: "beats", command: ["beats"] },
    ],
  }),
);
const settings = { workerId: "w-test", concurrency: 2, leaseMs: 2000, heartbeatMs: 500, pollMs: 20, cancelPollMs: 100, random: () => 0.5, maxBufferedLines: 1000 };
const workspace = strictFake<Workspace>("Workspace", { resolve: (path) => `/workspace/${path}` });

/** The memory store with its `replace` changed (a write lost or failing on its way). */
function withReplace(memory: MemoryJobStore, replace: JobStore["replace"]): JobStore {
  return {
    insert: (job) => memory.insert(job),
    get: (id) => memory.get(id),
    list: (query) => memory.list(query),
    claimCandidates: (now, limit) => memory.claimCandidates(now, limit),
    queueDepth: (now, limit) => memory.queueDepth(now, limit),
    getExclusive: (pipeline) => memory.getExclusive(pipeline),
    putExclusive: (next, expected) => memory.putExclusive(next, expected),
    replace,
  };
}

function setup(clock: Clock, scripts: Record<string, Script> = {}) {
  const store = new MemoryJobStore();
  const logs = new MemoryLogStore();
  const ids = sequentialIds("job");
  let flakyRuns = 0;
  const runner = scriptedRunner({
    forever: {},
    fails: { lines: ["failing"], exitAfterMs: 0, exitCode: 3 },
    echo: { lines: ["follow-up ran"], exitAfterMs: 0 },
    ...scripts,
    get flaky() {
      return { exitAfterMs: 0, exitCode: ++flakyRuns >= 2 ? 0 : 1 };
    },
  });
  const service = new PipelineJobs(store, logs, catalog, workspace, clock, ids, new JobChanges());
  const worker = new JobWorker({ store, logs, runner, clock, ids, service }, settings);
  // Another process sharing the store: what it does is not announced to this one.
  const elsewhere = new PipelineJobs(store, logs, catalog, workspace, clock, sequentialIds("remote"), new JobChanges());
  const status = (id: string) => Effect.map(store.get(id), (job) => job.status);
  return { store, logs, runner, service, worker, elsewhere, status };
}

/** Runs `body` with the worker of `setup` running; stops it (no drain) at the end. */
const withWorker = <A>(body: (s: ReturnType<typeof setup>, clock: Clock) => Effect.Effect<A, unknown>, scripts?: Record<string, Script>) =>
  Effect.runPromise(
    withTestClock((clock) =>
      Effect.gen(function* () {
        const s = setup(clock, scripts);
        const running = yield* Effect.forkScoped(s.worker.run);
        yield* advance(0);
        const result = yield* body(s, clock);
        yield* s.worker.shutdown(0);
        yield* Fiber.join(running);
        return result;
      }),
    ),
  );

describe("JobWorker timing (TestClock)", () => {
  it("a submit in this process is claimed at once; a job submitted elsewhere at the next poll", () =>
    withWorker(({ service, elsewhere, status }) =>
      Effect.gen(function* () {
        const here = yield* service.submit("forever");
        yield* advance(0);
        expect(yield* status(here.id)).toBe("running");
        yield* advance(settings.pollMs);
        const there = yield* elsewhere.submit("forever");
        yield* advance(settings.pollMs - 1);
        expect(yield* status(there.id)).toBe("pending");
        yield* advance(1);
        expect(yield* status(there.id)).toBe("running");
      }),
    ));

  it("fails a job that runs past its timeout, recording why, and stops its process", () =>
    withWorker(({ service, store, runner, status }) =>
      Effect.gen(function* () {
        const job = yield* service.submit("slow");
        yield* advance(499);
        expect(yield* status(job.id)).toBe("running");
        expect(runner.ended).toEqual([]);
        yield* advance(1);
        const done = yield* store.get(job.id);
        expect(done).toMatchObject({ status: "failed", error: "Timed out after 0.5 s" });
        expect(done.history.at(-1)).toMatchObject({ kind: "failed", reason: "Timed out after 0.5 s" });
        expect(runner.ended).toEqual(runner.started);
      }),
    ));

  it("retries with backoff, not before each retry is due, and fails after max attempts with each reason", () =>
    withWorker(({ service, store, logs }, clock) =>
      Effect.gen(function* () {
        const job = yield* service.submit("broken");
        yield* advance(0);
        for (const runs of [1, 2]) {
          const waiting = yield* store.get(job.id);
          expect(waiting).toMatchObject({ status: "pending", runs });
          yield* advance(waiting.runAt - clock.now().getTime() - 1);
          expect((yield* store.get(job.id)).runs).toBe(runs);
          yield* advance(settings.pollMs);
        }
        const done = yield* store.get(job.id);
        expect(done).toMatchObject({ status: "failed", attempt: 3, runs: 3, exitCode: 3, error: "Process exited with code 3" });
        const retries = done.history.filter((event) => event.kind === "retry_scheduled");
        expect(retries.map((event) => event.reason)).toEqual(["Process exited with code 3; retry in 150 ms", "Process exited with code 3; retry in 300 ms"]);
        const starts = done.history.filter((event) => event.kind === "started");
        expect(starts[1]!.at - retries[0]!.at).toBeGreaterThanOrEqual(150);
        expect(starts[2]!.at - retries[1]!.at).toBeGreaterThanOrEqual(300);
        const lines = (yield* logs.read(job.id, 0, 100)).lines.map((line) => line.message);
        expect(lines.filter((line) => line === "failing")).toHaveLength(3);
      }),
    ));

  it("completes on a later attempt and queues its follow-up, which the next poll runs", () =>
    withWorker(({ service, store, logs }) =>
      Effect.gen(function* () {
        const job = yield* service.submit("flaky");
        yield* advance(50 + settings.pollMs);
        expect(yield* store.get(job.id)).toMatchObject({ status: "completed", attempt: 2, exitCode: 0 });
        const followUp = (yield* store.list({ pipeline: "after" }))[0]!;
        expect(followUp).toMatchObject({ id: `${job.id}.then0`, triggeredBy: job.id });
        expect(followUp.env["PARALLAX_TRIGGERED_BY"]).toBe(job.id);
        yield* advance(settings.pollMs);
        expect((yield* store.get(followUp.id)).status).toBe("completed");
        expect((yield* logs.read(followUp.id, 0, 10)).lines.map((line) => line.message)).toContain("follow-up ran");
      }),
    ));

  it("renews the lease every heartbeatMs while the job runs", () =>
    withWorker(({ service, store }, clock) =>
      Effect.gen(function* () {
        const job = yield* service.submit("forever");
        yield* advance(0);
        const claimedAt = clock.now().getTime();
        expect((yield* store.get(job.id)).lease?.expiresAt).toBe(claimedAt + settings.leaseMs);
        yield* advance(settings.heartbeatMs - 1);
        expect((yield* store.get(job.id)).lease?.expiresAt).toBe(claimedAt + settings.leaseMs);
        yield* advance(1);
        expect((yield* store.get(job.id)).lease?.expiresAt).toBe(claimedAt + settings.heartbeatMs + settings.leaseMs);
      }),
    ));

  it("rotates the lease token at each heartbeat and finishes under the newest; the process keeps the claim's token", () =>
    withWorker(
      ({ service, store, runner }) =>
        Effect.gen(function* () {
          const job = yield* service.submit("beats");
          yield* advance(0);
          const claimed = (yield* store.get(job.id)).lease!;
          const tokens = [claimed.token];
          for (let beat = 1; beat <= 2; beat++) {
            yield* advance(settings.heartbeatMs);
            const lease = (yield* store.get(job.id)).lease!;
            expect(lease.run).toBe(claimed.token);
            tokens.push(lease.token);
          }
          expect(new Set(tokens).size).toBe(3);
          yield* advance(settings.heartbeatMs);
          expect(yield* store.get(job.id)).toMatchObject({ status: "completed", lease: null });
          expect(runner.started).toEqual([claimed.token]);
        }),
      { beats: { exitAfterMs: 1200 } },
    ));

  it("a heartbeat whose answer was lost (written, reported failed) does not cost the lease: the run finishes under the token it drew", () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const memory = new MemoryJobStore();
          let heartbeats = 0;
          // The first heartbeat lands in the store but its caller hears a failure, as after a timeout.
          const store = withReplace(memory, (next, expected) =>
            Effect.flatMap(memory.replace(next, expected), (written) =>
              written.lease !== null && written.lease.token !== written.lease.run && heartbeats++ === 0 ? Effect.fail(new StorageFailure({ message: "timed out" })) : Effect.succeed(written),
            ),
          );
          const ids = sequentialIds("job");
          const logs = new MemoryLogStore();
          const runner = scriptedRunner({ beats: { exitAfterMs: 1200 } });
          const service = new PipelineJobs(store, logs, catalog, workspace, clock, ids, new JobChanges());
          const worker = new JobWorker({ store, logs, runner, clock, ids, service }, settings);
          const running = yield* Effect.forkScoped(worker.run);
          const job = yield* service.submit("beats");
          yield* advance(0);
          yield* advance(settings.heartbeatMs);
          expect(heartbeats).toBe(1);
          // Tried again at the next look (cancelPollMs later) under the token the lost write left.
          yield* advance(settings.cancelPollMs);
          expect(heartbeats).toBe(2);
          yield* advance(settings.heartbeatMs);
          expect(heartbeats).toBe(3);
          expect((yield* memory.get(job.id)).status).toBe("running");
          yield* advance(1200 - settings.heartbeatMs * 2 - settings.cancelPollMs);
          expect(yield* memory.get(job.id)).toMatchObject({ status: "completed", lease: null });
          yield* worker.shutdown(0);
          yield* Fiber.join(running);
        }),
      ),
    ));

  it("a run whose lease expired while it ran (every heartbeat failed) is stopped once this worker claims the job again", () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const memory = new MemoryJobStore();
          // Heartbeats never reach the store; claims and everything else do.
          const store = withReplace(memory, (next, expected) =>
            next.status === "running" && next.lease !== null && next.lease.token !== next.lease.run
              ? Effect.fail(new StorageFailure({ message: "unreachable" }))
              : memory.replace(next, expected),
          );
          const ids = sequentialIds("job");
          const logs = new MemoryLogStore();
          const runner = scriptedRunner({ forever: {} });
          const service = new PipelineJobs(store, logs, catalog, workspace, clock, ids, new JobChanges());
          const worker = new JobWorker({ store, logs, runner, clock, ids, service }, settings);
          const running = yield* Effect.forkScoped(worker.run);
          const job = yield* service.submit("forever");
          yield* advance(0);
          const [first] = runner.started;
          yield* advance(settings.leaseMs + settings.pollMs);
          const again = yield* memory.get(job.id);
          expect(again).toMatchObject({ status: "running", runs: 2 });
          expect(runner.started).toHaveLength(2);
          // The first run sees, at its next look, that the lease is another run's now.
          yield* advance(settings.cancelPollMs);
          expect(runner.ended).toEqual([first]);
          expect((yield* memory.get(job.id)).lease?.run).toBe(runner.started[1]);
          yield* worker.shutdown(0);
          yield* Fiber.join(running);
        }),
      ),
    ));

  it("a cancel requested here stops the run at once; one requested elsewhere at the next cancel poll", () =>
    withWorker(({ service, elsewhere, runner, status }) =>
      Effect.gen(function* () {
        const here = yield* service.submit("forever");
        yield* advance(0);
        yield* service.cancel(here.id);
        yield* advance(0);
        expect(yield* status(here.id)).toBe("cancelled");
        const there = yield* service.submit("forever");
        yield* advance(0);
        yield* elsewhere.cancel(there.id);
        yield* advance(settings.cancelPollMs - 1);
        expect(yield* status(there.id)).toBe("running");
        yield* advance(1);
        expect(yield* status(there.id)).toBe("cancelled");
        expect(runner.ended).toEqual(runner.started);
      }),
    ));

  it("recovers a job whose lease expired once it has, sweeping the lost run's orphans first", () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const s = setup(clock);
          const job = yield* s.service.submit("forever");
          // A "ghost" worker claims the job with a short lease, then vanishes.
          const claimed = claim(job, { owner: "ghost", token: "ghost-token", now: clock.now().getTime(), leaseMs: 300 });
          if (Result.isFailure(claimed)) throw new Error("claim refused");
          yield* s.store.replace(claimed.success, job.version);
          // Its one heartbeat rotated the token: the orphans still carry the claim's.
          const beat = heartbeat(claimed.success, { token: "ghost-token", nextToken: "ghost-token-2", now: clock.now().getTime(), leaseMs: 300 });
          if (Result.isFailure(beat)) throw new Error("heartbeat refused");
          yield* s.store.replace(beat.success, claimed.success.version);
          const running = yield* Effect.forkScoped(s.worker.run);
          yield* advance(299);
          expect((yield* s.store.get(job.id)).lease?.owner).toBe("ghost");
          yield* advance(settings.pollMs);
          const rerun = yield* s.store.get(job.id);
          expect(rerun).toMatchObject({ status: "running", lease: { owner: "w-test" } });
          expect(rerun.history.map((event) => event.kind)).toEqual(["submitted", "started", "lease_expired", "started"]);
          expect(s.runner.orphanSweeps).toEqual(["ghost-token"]);
          const lines = (yield* s.logs.read(job.id, 0, 10)).lines.map((line) => line.message);
          expect(lines[0]).toMatch(/lease of ghost expired .*; 0 orphaned process group\(s\) of that run stopped on w-test/);
          yield* s.worker.shutdown(0);
          yield* Fiber.join(running);
        }),
      ),
    ));

  it("a stopping worker releases its running job without spending the attempt", () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const s = setup(clock);
          const running = yield* Effect.forkScoped(s.worker.run);
          const job = yield* s.service.submit("forever");
          yield* advance(0);
          yield* s.worker.shutdown(0);
          yield* Fiber.join(running);
          const released = yield* s.store.get(job.id);
          expect(released).toMatchObject({ status: "pending", attempt: 0 });
          expect(released.history.at(-1)).toMatchObject({ kind: "released", reason: "worker w-test stopped" });
          expect(s.runner.ended).toEqual(s.runner.started);
        }),
      ),
    ));
});
