// What one store does beyond the shared contract (job-stores.test.ts): DynamoDB's sharded queue and listing, several connections or processes on one SQLite file or file store, stored documents that do not parse, the file log store.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { claim, compareQueueOrder, complete, takeClaim, unclaimed, type Job } from "@parallax/domain/jobs";
import type { LogLine, LogStore } from "@parallax/application/jobs";
import { claimNext } from "@parallax/application/jobs";
import { DynamoJobStore } from "./dynamodb-job.store.js";
import { DynamoLogStore } from "./dynamodb-log.store.js";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { FileJobStore } from "./file-job.store.js";
import { JobVersionFiles } from "./job-version-files.js";
import { FileLogStore } from "./file-log.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";

import { dynamoTable, newJob, ok, run, tempDir } from "./job-stores.testkit.js";

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
    const { client, table } = await dynamoTable();
    const store = new DynamoJobStore(client, table);
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
