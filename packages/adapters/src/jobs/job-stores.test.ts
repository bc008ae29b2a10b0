import { join } from "node:path";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { claim, complete, createJob, expireLease, heartbeat, takeClaim, unclaimed, type Job } from "@parallax/domain/jobs";
import type { JobStore, LogStore } from "@parallax/application/jobs";
import { LOCAL_USER_ID } from "@parallax/domain";
import { claimNext, modifyJob } from "@parallax/application/jobs";
import { DynamoLogStore } from "./dynamodb-log.store.js";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { FileJobStore } from "./file-job.store.js";
import { FileLogStore } from "./file-log.store.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import { SqliteLogStore } from "./sqlite-log.store.js";

import { dockerAvailable, dynamoLocalStore, dynamoLocalTable, dynamoLogStore, dynamoStore, newJob, ok, run, tempDir } from "./job-stores.testkit.js";

const stores: Array<[string, () => Promise<JobStore>]> = [
  ["memory", async () => new MemoryJobStore()],
  ["file", async () => new FileJobStore(tempDir(), { refreshMs: 0, leaseScanMs: 0 })],
  ["sqlite", async () => new SqliteJobStore(join(tempDir(), "jobs.sqlite"))],
  ["sqlite (synchronous=full)", async () => new SqliteJobStore(join(tempDir(), "jobs.sqlite"), { synchronous: "full" })],
  ["dynamodb (dynalite)", dynamoStore],
  ...(dockerAvailable ? [["dynamodb (DynamoDB Local, testcontainers)", dynamoLocalStore] as [string, () => Promise<JobStore>]] : []),
];

describe.each(stores)("%s job store", (_name, makeStore) => {
  it("inserts once, reads back, lists newest first with filters", async () => {
    const store = await makeStore();
    await run(store.insert(newJob("a", 1000)));
    await run(store.insert(newJob("b", 2000, { pipeline: "q" })));
    const duplicate = await Effect.runPromiseExit(store.insert(newJob("a", 3000)));
    expect(Exit.isFailure(duplicate) && JSON.stringify(duplicate)).toContain("Conflict");
    expect((await run(store.get("a"))).pipeline).toBe("p");
    expect((await run(store.list())).map((job) => job.id)).toEqual(["b", "a"]);
    expect((await run(store.list({ pipeline: "p" }))).map((job) => job.id)).toEqual(["a"]);
    expect((await run(store.list({ status: "pending", limit: 1 }))).map((job) => job.id)).toEqual(["b"]);
    expect(JSON.stringify(await Effect.runPromiseExit(store.get("missing")))).toContain("NotFound");
  });

  it("lists one owner's jobs newest first (an ownerless job is LOCAL_USER_ID's), with limit, status and pipeline filters", async () => {
    const store = await makeStore();
    const insert = (id: string, at: number, extra: Partial<Parameters<typeof createJob>[0]> = {}) => run(store.insert(newJob(id, at, extra)));
    await insert("a1", 1000, { owner: "a" });
    // b's, but the word "a" sits where an owner is named elsewhere in the document (a param, a worker's lease).
    await insert("b1", 2000, { owner: "b", params: { owner: "a" } });
    await insert("n1", 3000);
    await insert("a2", 4000, { owner: "a", pipeline: "q" });
    const a3 = await run(store.insert(newJob("a3", 5000, { owner: "a" })));
    await run(store.replace(ok(claim(a3, { owner: "w1", token: "t1", now: 5500, leaseMs: 60_000 })), a3.version));
    const b2 = await run(store.insert(newJob("b2", 6000, { owner: "b" })));
    await run(store.replace(ok(claim(b2, { owner: "a", token: "t2", now: 6500, leaseMs: 60_000 })), b2.version));
    // More of b's, newer than all of a's: more than a SQLite listing page (64) of them.
    for (let i = 0; i < 70; i++) await insert(`b-${String(i).padStart(2, "0")}`, 10_000 + i, { owner: "b" });
    const ids = async (query: Parameters<JobStore["list"]>[0]) => (await run(store.list(query))).map((job) => job.id);
    expect(await ids({ owner: "a" })).toEqual(["a3", "a2", "a1"]);
    expect(await ids({ owner: "a", limit: 2 })).toEqual(["a3", "a2"]);
    expect(await ids({ owner: LOCAL_USER_ID })).toEqual(["n1"]);
    expect(await ids({ owner: "nobody" })).toEqual([]);
    expect(await ids({ owner: "a", status: "running" })).toEqual(["a3"]);
    expect(await ids({ owner: "a", status: "pending" })).toEqual(["a2", "a1"]);
    expect(await ids({ owner: "a", pipeline: "p" })).toEqual(["a3", "a1"]);
    expect(await ids({ owner: "a", pipeline: "p", status: "pending" })).toEqual(["a1"]);
    expect(await ids({ owner: "b", status: "running" })).toEqual(["b2"]);
    expect(await ids({ owner: "b", pipeline: "p", limit: 3 })).toEqual(["b-69", "b-68", "b-67"]);
    expect((await ids({ owner: "b" })).slice(-2)).toEqual(["b2", "b1"]);
  });

  it("replace is a compare-and-set: the second writer of a version loses", async () => {
    const store = await makeStore();
    const job = await run(store.insert(newJob("c", 1000)));
    const first = ok(claim(job, { owner: "w1", token: "t1", now: 1000, leaseMs: 100 }));
    const second = ok(claim(job, { owner: "w2", token: "t2", now: 1000, leaseMs: 100 }));
    await run(store.replace(first, job.version));
    const lost = await Effect.runPromiseExit(store.replace(second, job.version));
    expect(JSON.stringify(lost)).toContain("VersionConflict");
    expect((await run(store.get("c"))).lease?.owner).toBe("w1");
    expect((await run(store.list({ status: "running" }))).map((j) => j.id)).toEqual(["c"]);
  });

  it("offers due jobs by priority then age, and running jobs whose lease expired", async () => {
    const store = await makeStore();
    await run(store.insert(newJob("low", 1000)));
    await run(store.insert(newJob("high", 2000, { priority: 5 })));
    await run(store.insert(newJob("later", 500, { runAt: 10_000, priority: 9 })));
    await run(store.insert(newJob("old", 900)));
    const now = Date.now();
    expect((await run(store.claimCandidates(5000, 10))).map((job) => job.id)).toEqual(["high", "old", "low"]);
    const claimed = await run(claimNext(store, { owner: "w", token: "t", now: 5000, leaseMs: 100 }));
    expect(claimed?.id).toBe("high");
    expect((await run(store.claimCandidates(5000, 10))).map((job) => job.id)).toEqual(["old", "low"]);
    expect((await run(store.claimCandidates(5100, 10))).map((job) => job.id)).toContain("high");
    const recovered = await run(claimNext(store, { owner: "w2", token: "t2", now: 20_000, leaseMs: 100 }));
    expect(recovered?.id).toBe("later");
    const expired = await run(claimNext(store, { owner: "w3", token: "t3", now: 20_000 + now, leaseMs: 100 }));
    expect(expired?.history.map((event) => event.kind)).toContain("lease_expired");
    expect(ok(expireLease(ok(claim(newJob("x", 0), { owner: "a", token: "b", now: 0, leaseMs: 1 })), 5)).status).toBe("pending");
  });

  it("a heartbeat rotates the lease token: the old token is refused as a lost lease is, the new one accepted", async () => {
    const store = await makeStore();
    await run(store.insert(newJob("beat", 1000)));
    const claimed = (await run(claimNext(store, { owner: "w", token: "w/1", now: 1000, leaseMs: 60_000 })))!;
    const renewed = await run(modifyJob(store, "beat", (job) => heartbeat(job, { token: "w/1", nextToken: "w/2", now: 2000, leaseMs: 60_000 })));
    expect(renewed.lease).toEqual({ owner: "w", token: "w/2", run: "w/1", expiresAt: 62_000 });
    expect((await run(store.get("beat"))).lease).toEqual(renewed.lease);
    const refusal = (effect: Effect.Effect<Job, unknown>) => Effect.runPromiseExit(effect).then((exit) => (Exit.isFailure(exit) ? JSON.stringify(exit.cause) : "accepted"));
    const lostLease = await refusal(modifyJob(store, "beat", (job) => complete(job, { token: "never-held", now: 3000, exitCode: 0 })));
    expect(lostLease).toContain("IllegalTransition");
    expect(await refusal(modifyJob(store, "beat", (job) => heartbeat(job, { token: "w/1", nextToken: "w/3", now: 3000, leaseMs: 60_000 })))).toBe(lostLease);
    expect(await refusal(modifyJob(store, "beat", (job) => complete(job, { token: claimed.lease!.token, now: 3000, exitCode: 0 })))).toBe(lostLease);
    expect((await run(store.get("beat"))).version).toBe(renewed.version);
    const done = await run(modifyJob(store, "beat", (job) => complete(job, { token: "w/2", now: 3000, exitCode: 0 })));
    expect(done).toMatchObject({ status: "completed", lease: null });
  });

  it("measures the queue: due pending jobs and the oldest one's runAt, bounded by a limit", async () => {
    const store = await makeStore();
    expect(await run(store.queueDepth(5000, 100))).toEqual({ due: 0, oldestDueAt: null, truncated: false });
    await run(store.insert(newJob("first", 1000)));
    await run(store.insert(newJob("second", 2000, { priority: 5 })));
    await run(store.insert(newJob("third", 3000)));
    await run(store.insert(newJob("delayed", 500, { runAt: 10_000 })));
    expect(await run(store.queueDepth(5000, 100))).toEqual({ due: 3, oldestDueAt: 1000, truncated: false });
    expect(await run(store.queueDepth(5000, 2))).toMatchObject({ due: 2, truncated: true });
    await run(claimNext(store, { owner: "w", token: "t", now: 5000, leaseMs: 60_000 }));
    await run(modifyJob(store, "first", (job) => claim(job, { owner: "w", token: "t1", now: 5000, leaseMs: 60_000 })));
    expect(await run(store.queueDepth(5000, 100))).toEqual({ due: 1, oldestDueAt: 3000, truncated: false });
    expect(await run(store.queueDepth(20_000, 100))).toEqual({ due: 2, oldestDueAt: 3000, truncated: false });
  });

  it("many concurrent claimers take each job exactly once", async () => {
    const store = await makeStore();
    for (let i = 0; i < 40; i++) await run(store.insert(newJob(`j${String(i).padStart(2, "0")}`, 1000 + i)));
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => run(claimNext(store, { owner: `w${i}`, token: `t${i}`, now: 10_000, leaseMs: 60_000 }))),
    );
    const ids = claims.filter((job) => job !== undefined).map((job) => job!.id);
    expect(new Set(ids).size).toBe(ids.length);
    const running = await run(store.list({ status: "running" }));
    expect(running.length).toBe(ids.length);
  });
});

describe.each(stores)("%s job store: exclusivity claims", (_name, makeStore) => {
  it("are created once and then only replaced by compare-and-set on their version", async () => {
    const store = await makeStore();
    expect(await run(store.getExclusive("train"))).toEqual(unclaimed("train"));
    const first = await run(store.putExclusive(takeClaim(unclaimed("train"), "a", 1, 1000), 0));
    const second = await Effect.runPromiseExit(store.putExclusive(takeClaim(unclaimed("train"), "b", 1, 1000), 0));
    expect(JSON.stringify(second)).toContain("VersionConflict");
    expect(await run(store.getExclusive("train"))).toMatchObject({ holder: "a", version: 1 });
    await run(store.putExclusive(takeClaim(first, "c", 1, 2000), 1));
    const stale = await Effect.runPromiseExit(store.putExclusive(takeClaim(first, "d", 1, 2000), 1));
    expect(JSON.stringify(stale)).toContain("VersionConflict");
    expect(await run(store.getExclusive("train"))).toMatchObject({ holder: "c", version: 2 });
    expect(await run(store.getExclusive("verify"))).toEqual(unclaimed("verify"));
    // Claims are not jobs: listings never show them.
    expect(await run(store.list())).toEqual([]);
  });
});

const logStores: Array<[string, () => LogStore | Promise<LogStore>]> = [
  ["memory", () => new MemoryLogStore()],
  ["file", () => new FileLogStore(tempDir())],
  ["dynamodb (dynalite)", () => dynamoLogStore()],
  ["dynamodb (dynalite), 1 KB chunks", () => dynamoLogStore({ chunkBytes: 1024 })],
  ...(dockerAvailable
    ? [
        [
          "dynamodb (DynamoDB Local, testcontainers)",
          async () => {
            const { client, table } = await dynamoLocalTable();
            return new DynamoLogStore(DynamoDBDocumentClient.from(client), table);
          },
        ] as [string, () => Promise<LogStore>],
      ]
    : []),
  ["sqlite", () => new SqliteLogStore(join(tempDir(), "jobs.sqlite"))],
];

describe.each(logStores)("%s log store", (_name, makeStore) => {
  it("numbers lines from 0 and reads from any offset", async () => {
    const store = await makeStore();
    const entry = (message: string) => ({ stream: "stdout" as const, timestamp: "2026-01-01T00:00:00.000Z", message });
    const first = await run(store.append("job", Array.from({ length: 700 }, (_, i) => entry(`line ${i}`))));
    expect(first.at(-1)?.offset).toBe(699);
    const second = await run(store.append("job", [entry("tail \n with newline"), entry("é")]));
    expect(second.map((line) => line.offset)).toEqual([700, 701]);
    const page = await run(store.read("job", 599, 3));
    expect(page.lines.map((line) => [line.offset, line.message])).toEqual([
      [599, "line 599"],
      [600, "line 600"],
      [601, "line 601"],
    ]);
    expect(page.nextOffset).toBe(602);
    expect((await run(store.read("job", 700, 10))).lines.map((line) => line.message)).toEqual(["tail \n with newline", "é"]);
    expect(await run(store.size("job"))).toBe(702);
    expect(await run(store.read("nothing", 0, 10))).toEqual({ lines: [], nextOffset: 0 });
  });
});
