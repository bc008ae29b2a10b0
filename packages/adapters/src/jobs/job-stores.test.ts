import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { CreateTableCommand, DynamoDBClient, PutItemCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { Effect, Exit, Result } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { claim, compareQueueOrder, complete, createJob, expireLease, heartbeat, takeClaim, unclaimed, type Job } from "@parallax/domain/jobs";
import type { JobStore, LogLine, LogStore } from "@parallax/application/jobs";
import { LOCAL_USER_ID } from "@parallax/domain";
import { claimNext, modifyJob } from "@parallax/application/jobs";
import { DynamoJobStore, jobsTableDefinition } from "./dynamodb-job.store.js";
import { DynamoLogStore } from "./dynamodb-log.store.js";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { FileJobStore } from "./file-job.store.js";
import { JobVersionFiles } from "./job-version-files.js";
import { FileLogStore } from "./file-log.store.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { MemoryLogStore } from "./memory-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import { SqliteLogStore } from "./sqlite-log.store.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-jobs-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const newJob = (id: string, now: number, extra: Partial<Parameters<typeof createJob>[0]> = {}) =>
  createJob({ id, pipeline: "p", command: ["true"], ...extra }, now);
const ok = (transition: Result.Result<Job, unknown>) => {
  if (Result.isFailure(transition)) throw new Error("refused");
  return transition.success;
};

/** dynalite: DynamoDB's API in process on 127.0.0.1, started once for the DynamoDB store's runs. */
type DynaliteServer = { listen(port: number, host: string, done: () => void): void; address(): { port: number }; close(done: () => void): void };
let dynamo: Promise<{ server: DynaliteServer; client: DynamoDBClient }> | undefined;
let tables = 0;
async function dynamoTable(): Promise<{ client: DynamoDBClient; table: string }> {
  dynamo ??= (async () => {
    const dynalite = createRequire(import.meta.url)("dynalite") as (options: object) => DynaliteServer;
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${server.address().port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return { server, client };
  })();
  const { client } = await dynamo;
  const table = `jobs-${++tables}`;
  await client.send(new CreateTableCommand(jobsTableDefinition(table)));
  // A table answers item calls once ACTIVE: dynalite flips it on a timer that a busy machine can delay past the next request.
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table });
  return { client, table };
}
async function dynamoStore(): Promise<JobStore> {
  const { client, table } = await dynamoTable();
  return new DynamoJobStore(client, table);
}
/** A log store on a fresh table; `chunkBytes` small makes every append span several chunks. */
async function dynamoLogStore(options: { chunkBytes?: number } = {}): Promise<DynamoLogStore> {
  const { client, table } = await dynamoTable();
  return new DynamoLogStore(DynamoDBDocumentClient.from(client), table, options);
}
afterAll(async () => {
  if (!dynamo) return;
  const { server, client } = await dynamo;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * DynamoDB Local in a container (testcontainers), where a Docker engine answers; the same
 * contract then runs against Amazon's own local implementation as well as dynalite.
 */
const dockerAvailable = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 5_000 }).status === 0;
if (!dockerAvailable) console.warn("skipping the DynamoDB Local (testcontainers) job store runs: no Docker engine answers `docker info`");
let dynamoLocal: Promise<{ stop(): Promise<unknown>; client: DynamoDBClient }> | undefined;
async function dynamoLocalTable(): Promise<{ client: DynamoDBClient; table: string }> {
  dynamoLocal ??= (async () => {
    const { GenericContainer } = await import("testcontainers");
    const container = await new GenericContainer("amazon/dynamodb-local:2.5.2").withExposedPorts(8000).start();
    const endpoint = `http://${container.getHost()}:${container.getMappedPort(8000)}`;
    const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return { client, stop: () => container.stop() };
  })();
  const { client } = await dynamoLocal;
  const table = `jobs-local-${++tables}`;
  await client.send(new CreateTableCommand(jobsTableDefinition(table)));
  // A table answers item calls once ACTIVE: dynalite flips it on a timer that a busy machine can delay past the next request.
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table });
  return { client, table };
}
async function dynamoLocalStore(): Promise<JobStore> {
  const { client, table } = await dynamoLocalTable();
  return new DynamoJobStore(client, table);
}
afterAll(async () => {
  if (!dynamoLocal) return;
  const { client, stop } = await dynamoLocal;
  client.destroy();
  await stop();
});

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

describe("dynamodb job store: sharded queue, listing index, TTL", () => {
  it("spreads pending jobs over the queue's shards, still claims in global priority order, and gives finished jobs expires_at", async () => {
    const { client, table } = await dynamoTable();
    const store = new DynamoJobStore(client, table, { retentionMs: 3_600_000 });
    const now = 1_000_000;
    for (let i = 0; i < 24; i++) await run(store.insert(newJob(`j${i}`, now + i, { priority: i % 5 })));
    const documents = DynamoDBDocumentClient.from(client);
    const queues = new Set<string>();
    for (let i = 0; i < 24; i++) queues.add(String((await documents.send(new GetCommand({ TableName: table, Key: { id: `j${i}` } }))).Item?.["queue"]));
    expect([...queues].sort()).toEqual(["ready#0", "ready#1", "ready#2", "ready#3"]);
    const all = await run(store.list({ status: "pending" }));
    const expected = [...all].sort(compareQueueOrder).slice(0, 5).map((job) => job.id);
    expect((await run(store.claimCandidates(now + 100, 5))).map((job) => job.id)).toEqual(expected);
    const job = await run(store.get("j0"));
    const claimed = ok(claim(job, { owner: "w", token: "t", now: now + 100, leaseMs: 1000 }));
    await run(store.replace(claimed, job.version));
    const done = ok(complete(claimed, { token: "t", now: now + 200, exitCode: 0 }));
    await run(store.replace(done, claimed.version));
    const item = (await documents.send(new GetCommand({ TableName: table, Key: { id: "j0" } }))).Item!;
    expect(item["expires_at"]).toBe(Math.ceil((now + 200 + 3_600_000) / 1000));
    expect(item["queue"]).toBeUndefined();
    expect((await run(store.list())).map((j) => j.id)).toEqual(Array.from({ length: 24 }, (_, i) => `j${23 - i}`));
  });
});

describe("dynamodb log store across processes' stores", () => {
  it("two appenders racing on one job (a worker and its zombie) never share an offset; a reader elsewhere follows every line in order", async () => {
    const { client, table } = await dynamoTable();
    const documents = DynamoDBDocumentClient.from(client);
    const [a, b, reader] = [0, 1, 2].map(() => new DynamoLogStore(documents, table, { chunkBytes: 512 })) as [DynamoLogStore, DynamoLogStore, DynamoLogStore];
    const entry = (message: string) => ({ stream: "stdout" as const, timestamp: "2026-01-01T00:00:00.000Z", message });
    // Followers: one on another "host", one on an appender's own store (reads racing its appends).
    let following = true;
    const follow = async (store: LogStore) => {
      const followed: string[] = [];
      let offset = 0;
      while (following || offset < (await run(store.size("job")))) {
        const page = await run(store.read("job", offset, 7));
        expect(page.lines.map((line) => line.offset)).toEqual(page.lines.map((_, i) => offset + i));
        followed.push(...page.lines.map((line) => line.message));
        offset = page.nextOffset;
        if (page.lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return followed;
    };
    const followers = Promise.all([follow(reader), follow(a)]);
    const written = await Promise.all(
      [a, b].map(async (store, writer) => {
        const lines: LogLine[] = [];
        for (let batch = 0; batch < 15; batch++) lines.push(...(await run(store.append("job", Array.from({ length: 4 }, (_, i) => entry(`w${writer} b${batch} l${i} ${"x".repeat(40)}`))))));
        return lines;
      }),
    );
    following = false;
    const [followed, followedByWriter] = await followers;
    const offsets = written.flat().map((line) => line.offset).sort((x, y) => x - y);
    expect(offsets).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const stored = (await run(new DynamoLogStore(documents, table).read("job", 0, 1000))).lines;
    expect(stored.map((line) => line.message)).toEqual(followed);
    expect(followedByWriter).toEqual(followed);
    // Each writer's own lines keep their order.
    for (const writer of [0, 1]) expect(stored.filter((line) => line.message.startsWith(`w${writer} `)).map((line) => line.message)).toEqual(written[writer]!.map((line) => line.message));
  });
});

describe("sqlite job store across connections", () => {
  it("two connections on one file (as two processes): each job claimed once, writes seen by the other at once", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const [one, two] = [new SqliteJobStore(file), new SqliteJobStore(file)];
    for (let i = 0; i < 30; i++) await run(one.insert(newJob(`s${String(i).padStart(2, "0")}`, 1000 + i)));
    expect((await run(two.list())).length).toBe(30);
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, i) => run(claimNext(i % 2 ? one : two, { owner: `w${i}`, token: `t${i}`, now: 10_000, leaseMs: 60_000, scan: 4, spread: (i % 4) / 4 }))),
    );
    const ids = claims.flatMap((job) => (job ? [job.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await run(one.list({ status: "running" }))).map((job) => job.id).sort()).toEqual([...ids].sort());
    expect(await run(two.putExclusive(takeClaim(unclaimed("train"), "a", 1, 1000), 0))).toMatchObject({ holder: "a" });
    expect(JSON.stringify(await Effect.runPromiseExit(one.putExclusive(takeClaim(unclaimed("train"), "b", 1, 1000), 0)))).toContain("VersionConflict");
  });
});

describe("file job store across processes", () => {
  it("a job whose insert is still in flight elsewhere is not lost from the queue", async () => {
    const dir = tempDir();
    const submitter = new FileJobStore(dir, { refreshMs: 0 });
    const worker = new FileJobStore(dir, { refreshMs: 0 });
    const job = newJob("inflight", 1000);
    // The submitter has written the job's directory and queue marker, not yet its first version.
    mkdirSync(join(dir, "items", job.id));
    await (submitter as unknown as { writeMarkers(job: Job): Promise<unknown> }).writeMarkers(job);
    expect(await run(worker.claimCandidates(5000, 4))).toEqual([]);
    await new JobVersionFiles(join(dir, "items"), join(dir, "tmp")).write(job);
    expect((await run(worker.claimCandidates(5000, 4))).map((candidate) => candidate.id)).toEqual(["inflight"]);
  });

  it("the loser of a claim race leaves the winner's running marker in place", async () => {
    const dir = tempDir();
    const one = new FileJobStore(dir, { refreshMs: 0, leaseScanMs: 0 });
    const two = new FileJobStore(dir, { refreshMs: 0, leaseScanMs: 0 });
    const job = await run(one.insert(newJob("raced", 1000)));
    await run(one.replace(ok(claim(job, { owner: "w1", token: "t1", now: 2000, leaseMs: 100 })), job.version));
    // `two` checked the version just before `one` wrote: it goes on to write its markers and version.
    const twoVersions = (two as unknown as { versions: { latest(id: string): Promise<number | undefined> } }).versions;
    twoVersions.latest = async () => job.version;
    const lost = await Effect.runPromiseExit(two.replace(ok(claim(job, { owner: "w2", token: "t2", now: 2000, leaseMs: 100 })), job.version));
    delete (twoVersions as { latest?: unknown }).latest;
    expect(JSON.stringify(lost)).toContain("VersionConflict");
    expect((await run(two.list({ status: "running" }))).map((j) => j.lease?.owner)).toEqual(["w1"]);
    // The winner vanishes: its expired lease must still be found through the marker.
    expect((await run(two.claimCandidates(5000, 4))).map((j) => j.id)).toEqual(["raced"]);
  });
});

/** The failure a read ended with, as the host would see it. */
async function failureOf(effect: Effect.Effect<unknown, unknown>): Promise<{ _tag?: string; message?: string }> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  return JSON.parse(JSON.stringify(exit.cause)).failures?.[0] ?? JSON.parse(JSON.stringify(exit.cause)).reasons?.[0]?.error;
}

describe("stored documents that do not parse", () => {
  it("a corrupt job or claim file is a StorageFailure naming the file", async () => {
    const dir = tempDir();
    const store = new FileJobStore(dir);
    await run(store.insert(newJob("torn", 1000)));
    writeFileSync(join(dir, "items", "torn", "2.json"), '{"id":"torn","version":2,"status":"sideways"');
    const read = await failureOf(store.get("torn"));
    expect(read._tag).toBe("StorageFailure");
    expect(read.message).toContain(join(dir, "items", "torn", "2.json"));
    expect(JSON.stringify(await failureOf(store.list()))).toContain("StorageFailure");
    mkdirSync(join(dir, "exclusive", "train"), { recursive: true });
    writeFileSync(join(dir, "exclusive", "train", "1.json"), JSON.stringify({ pipeline: "train", holder: 7 }));
    const claimRead = await failureOf(store.getExclusive("train"));
    expect(claimRead).toMatchObject({ _tag: "StorageFailure" });
    expect(claimRead.message).toContain(join(dir, "exclusive", "train", "1.json"));
  });

  it("a SQLite row whose document does not parse is a StorageFailure naming the job and the file", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const store = new SqliteJobStore(file);
    await run(store.insert(newJob("torn", 1000)));
    store.db.prepare("UPDATE jobs SET doc = ? WHERE id = 'torn'").run('{"id":"torn","version":1,"status":"sideways"}');
    const read = await failureOf(store.get("torn"));
    expect(read._tag).toBe("StorageFailure");
    expect(read.message).toContain(`job torn in ${file}`);
    expect(JSON.stringify(await failureOf(store.claimCandidates(5000, 4)))).toContain("StorageFailure");
    store.db.prepare("INSERT INTO exclusive_claims (pipeline, version, doc) VALUES ('train', 1, ?)").run(JSON.stringify({ pipeline: "train", holder: 7 }));
    expect(await failureOf(store.getExclusive("train"))).toMatchObject({ _tag: "StorageFailure" });
  });

  it("a DynamoDB item whose document does not parse is a StorageFailure naming its key", async () => {
    const store = await dynamoStore();
    const { client } = await dynamo!;
    const table = `jobs-${tables}`;
    await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: "odd" }, version: { N: "1" }, doc: { S: JSON.stringify({ id: "odd", version: 1 }) } } }));
    const read = await failureOf(store.get("odd"));
    expect(read).toMatchObject({ _tag: "StorageFailure" });
    expect(read.message).toContain(`item odd of table ${table}`);
  });
});

describe("file log store", () => {
  it("survives a writer killed mid-line: the torn line is counted, later lines stay readable", async () => {
    const dir = tempDir();
    const store = new FileLogStore(dir);
    await run(store.append("job", [{ stream: "stdout", timestamp: "t", message: "one" }]));
    appendFileSync(join(dir, "job.ndjson"), '["stdout","t","to');
    const reader = new FileLogStore(dir);
    const appended = await run(reader.append("job", [{ stream: "stdout", timestamp: "t", message: "three" }]));
    expect(appended[0]!.offset).toBe(2);
    const lines = (await run(new FileLogStore(dir).read("job", 0, 10))).lines;
    expect(lines.map((line) => line.offset)).toEqual([0, 1, 2]);
    expect(lines[1]!.message).toMatch(/unreadable/);
    expect(lines[2]!.message).toBe("three");
  });
});
