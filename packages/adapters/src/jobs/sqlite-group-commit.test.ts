import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import { afterAll, describe, expect, it } from "vitest";
import { claim, createJob, type Job } from "@parallax/domain/jobs";
import { StorageFailure } from "@parallax/domain";
import { groupCommitOf, readWaitingIfBusy } from "./sqlite-group-commit.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import { SqliteLogStore } from "./sqlite-log.store.js";

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-group-"));
  dirs.push(dir);
  return join(dir, "jobs.sqlite");
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
/** Every effect started in the same turn: their writes meet in one group commit. */
const together = (effects: ReadonlyArray<Effect.Effect<unknown, unknown>>) => run(Effect.all(effects.map((effect) => Effect.exit(effect)), { concurrency: "unbounded" }));
const newJob = (id: string, now = 1000) => createJob({ id, pipeline: "p", command: ["true"] }, now);
const claimed = (job: Job) => {
  const next = claim(job, { owner: "w", token: "t", now: 5000, leaseMs: 1000 });
  if (next._tag === "Failure") throw new Error("refused");
  return next.success;
};
const failureTag = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? JSON.stringify(exit.cause) : "success");

describe("sqlite group commit", () => {
  it("runs the writes of one turn in one transaction and answers each once it committed", async () => {
    const db = new Database(tempFile());
    db.exec("CREATE TABLE t (v INTEGER)");
    const group = groupCommitOf(db);
    const failure = (cause: unknown) => new StorageFailure({ message: String(cause), cause });
    const write = (v: number) => group.write("t", () => (db.prepare("INSERT INTO t VALUES (?)").run(v), Effect.succeed(db.inTransaction)), failure);
    const exits = await together([write(1), write(2), write(3)]);
    expect(exits.map((exit) => Exit.isSuccess(exit) && exit.value)).toEqual([true, true, true]);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 });
    db.close();
  });

  it("a turn of more writes than one batch holds commits them all, in batches", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file);
    const exits = await together(Array.from({ length: 600 }, (_, i) => store.insert(newJob(`many-${i}`, 1000 + i))));
    expect(exits.every(Exit.isSuccess)).toBe(true);
    expect(store.db.inTransaction).toBe(false);
    expect(new SqliteJobStore(file).db.prepare("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 600 });
    store.close();
  });

  it("a write that loses its version check fails alone with VersionConflict; the others commit", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file);
    const jobs = await Promise.all(["a", "b", "c"].map((id) => run(store.insert(newJob(id)))));
    const exits = await together([store.replace(claimed(jobs[0]!), 1), store.replace(claimed(jobs[1]!), 7), store.replace(claimed(jobs[2]!), 1)]);
    expect(exits.map(failureTag)).toEqual(["success", expect.stringContaining("VersionConflict"), "success"]);
    const other = new SqliteJobStore(file);
    expect(await Promise.all(["a", "b", "c"].map((id) => run(other.get(id)).then((job) => job.status)))).toEqual(["running", "pending", "running"]);
    store.close();
    other.close();
  });

  it("a statement that fails (a constraint) rejects its own caller; the others' writes are kept and no transaction stays open", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file);
    const broken = { ...newJob("broken"), pipeline: null } as unknown as Job;
    const exits = await together([store.insert(newJob("x")), store.insert(broken), store.insert(newJob("y"))]);
    expect(exits.map(failureTag)).toEqual(["success", expect.stringContaining("NOT NULL"), "success"]);
    expect(store.db.inTransaction).toBe(false);
    const other = new SqliteJobStore(file);
    expect((await run(other.list())).map((job) => job.id).sort()).toEqual(["x", "y"]);
    store.close();
    other.close();
  });

  it("the write lock not taken within the busy timeout fails the turn's writes, none kept, and the next turn writes again", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file, { busyTimeoutMs: 50 });
    const holder = new Database(file);
    holder.exec("BEGIN IMMEDIATE");
    const exits = await together([store.insert(newJob("p")), store.insert(newJob("q"))]);
    expect(exits.map(failureTag)).toEqual([expect.stringContaining("StorageFailure"), expect.stringContaining("StorageFailure")]);
    expect(store.db.inTransaction).toBe(false);
    holder.exec("ROLLBACK");
    await run(store.insert(newJob("p")));
    expect((await run(store.list())).map((job) => job.id)).toEqual(["p"]);
    holder.close();
    store.close();
  });

  it("a batch meeting another connection's write lock waits for it with the event loop free, joined by later writes, and commits once the lock is let go", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file, { busyTimeoutMs: 10_000 });
    const holder = new Database(file);
    holder.exec("BEGIN IMMEDIATE");
    const first = run(store.insert(newJob("first")));
    // The loop turns while the write waits: timers fire (SQLite's busy handler would sleep here).
    const ticks: number[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        ticks.push(performance.now() - started);
        if (ticks.length === 5) (clearInterval(tick), resolve());
      }, 10);
    });
    expect(ticks.at(-1)!).toBeLessThan(5_000);
    // Waiting, the batch is not committed by a read (none of its writes was acknowledged).
    expect((await run(store.list())).map((job) => job.id)).toEqual([]);
    const second = run(store.insert(newJob("second", 2000)));
    holder.exec("COMMIT");
    expect((await Promise.all([first, second])).map((job) => job.id)).toEqual(["first", "second"]);
    expect((await run(new SqliteJobStore(file).list())).map((job) => job.id)).toEqual(["second", "first"]);
    holder.close();
    store.close();
  });

  it("a write whose caller is interrupted before its batch ran is withdrawn; the batch's other writes commit", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file);
    const withdrawn = Effect.runFork(store.insert(newJob("withdrawn")));
    const kept = run(store.insert(newJob("kept")));
    await Effect.runPromise(Fiber.interrupt(withdrawn));
    expect((await kept).id).toBe("kept");
    expect((await run(new SqliteJobStore(file).list())).map((job) => job.id)).toEqual(["kept"]);
    store.close();
  });

  it("runs without SQLite's busy handler; a read that met a lock runs again with it on (in WAL mode only another connection's recovery after a crash locks readers out)", () => {
    const store = new SqliteJobStore(tempFile(), { busyTimeoutMs: 1234 });
    const timeout = () => Number(store.db.pragma("busy_timeout", { simple: true }));
    expect(timeout()).toBe(0);
    const seen: number[] = [];
    const answer = readWaitingIfBusy(store.db, () => {
      seen.push(timeout());
      if (seen.length === 1) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY_RECOVERY" });
      return "read";
    });
    expect(answer).toBe("read");
    expect(seen).toEqual([0, 1234]);
    expect(timeout()).toBe(0);
    expect(() => readWaitingIfBusy(store.db, () => { throw new Error("no such table"); })).toThrow("no such table");
    store.close();
  });

  it("a read in the same turn sees the writes issued before it", async () => {
    const store = new SqliteJobStore(tempFile());
    const [inserted, read, listed] = await together([store.insert(newJob("seen")), store.get("seen"), store.claimCandidates(5000, 4)]);
    expect(Exit.isSuccess(inserted!) && Exit.isSuccess(read!) && (read.value as Job).id).toBe("seen");
    expect(Exit.isSuccess(listed!) && (listed.value as Job[]).map((job) => job.id)).toEqual(["seen"]);
    store.close();
  });

  it("a log store on the job store's connection writes in its group: a read of a log sees the appends issued before it in the turn; close leaves the connection open", async () => {
    const file = tempFile();
    const store = new SqliteJobStore(file);
    const logs = new SqliteLogStore(file, { connection: store.db });
    const other = new SqliteJobStore(file);
    const line = { stream: "stdout" as const, timestamp: "t", message: "hi" };
    const job = await run(store.insert(newJob("j")));
    const exits = await together([logs.append("j", [line]), logs.append("j", [line, line]), store.replace(claimed(job), 1), logs.read("j", 0, 10), logs.size("j")]);
    expect(exits.map(failureTag)).toEqual(["success", "success", "success", "success", "success"]);
    const [, , , read, size] = exits;
    expect(Exit.isSuccess(read!) && (read.value as { lines: Array<{ offset: number }> }).lines.map((written) => written.offset)).toEqual([0, 1, 2]);
    expect(Exit.isSuccess(size!) && size.value).toBe(3);
    expect((await run(other.get("j"))).status).toBe("running");
    logs.close();
    expect((await run(store.get("j"))).id).toBe("j");
    store.close();
    other.close();
  });
});
