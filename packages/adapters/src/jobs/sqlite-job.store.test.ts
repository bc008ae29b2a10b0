import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Result } from "effect";
import { Container } from "inversify";
import { z } from "zod";
import { afterAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { LOCAL_USER_ID } from "@parallax/domain";
import { claim, complete, createJob, fail, finishCancelled, takeClaim, unclaimed, type Job } from "@parallax/domain/jobs";
import { JobStore, LogStore } from "@parallax/application/jobs";
import { ConfigError, sharedConfigShape } from "../shared/shared.config.js";
import { FileJobStore } from "./file-job.store.js";
import { jobsConfigShape, type JobsConfig } from "./jobs.config.js";
import { jobsModule } from "./jobs.module.js";
import { FileLogStore } from "./file-log.store.js";
import { MemoryJobStore } from "./memory-job.store.js";
import { SqliteJobStore } from "./sqlite-job.store.js";
import { SqliteLogStore } from "./sqlite-log.store.js";
import { FILE_IMPORT_KEY, migrateFileJobs, openSqliteJobStore, sqliteJobsFile } from "./sqlite-migration.js";
import { fillOwners } from "./sqlite-jobs-database.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-sqlite-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const newJob = (id: string, now: number, extra: Partial<Parameters<typeof createJob>[0]> = {}) => createJob({ id, pipeline: "p", command: ["true"], ...extra }, now);
const ok = (transition: Result.Result<Job, unknown>) => {
  if (Result.isFailure(transition)) throw new Error("refused");
  return transition.success;
};

describe("sqlite job store durability", () => {
  it("sets synchronous as configured (NORMAL by default, FULL when asked) in WAL mode", () => {
    const dir = tempDir();
    const normal = new SqliteJobStore(join(dir, "a.sqlite"));
    const full = new SqliteJobStore(join(dir, "b.sqlite"), { synchronous: "full" });
    expect(normal.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(normal.db.pragma("synchronous", { simple: true })).toBe(1);
    expect(full.db.pragma("synchronous", { simple: true })).toBe(2);
    normal.close();
    full.close();
  });

  for (const synchronous of ["normal", "full"] as const) {
    it(`a process killed with SIGKILL during a burst of 1,000 submissions loses no acknowledged job (synchronous=${synchronous})`, async () => {
      const file = join(tempDir(), "jobs.sqlite");
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "packages/adapters/src/jobs/sqlite-burst.testkit.ts", file, "1000", synchronous], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      let errors = "";
      child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.once("exit", (_code, signal) => resolveExit(signal)));
      await new Promise<void>((resolveKilled, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          // Killed mid-burst, once 100 submissions were acknowledged.
          if (output.split("\n").filter((line) => line.startsWith("burst-")).length >= 100 && child.kill("SIGKILL")) resolveKilled();
        });
        child.once("exit", (code) => reject(new Error(`burst exited ${code} before the kill: ${errors}`)));
      });
      expect(await exited).toBe("SIGKILL");
      // Complete lines only: a line cut by the kill was not acknowledged.
      const acknowledged = output.split("\n").slice(0, -1).filter((line) => line.startsWith("burst-"));
      const reopened = new SqliteJobStore(file);
      const stored = new Set((await run(reopened.list())).map((job) => job.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(100);
      process.stdout.write(`kill -9 (${synchronous}): ${acknowledged.length} acknowledged, ${stored.size} stored, burst ${output.includes("done\n") ? "had finished" : "cut"}\n`);
      reopened.close();
    }, 60_000);
  }
});

describe("sqlite job store listings", () => {
  it("read in pages, newest first, are whole and in the memory store's order, also across equal creation times", async () => {
    const store = new SqliteJobStore(join(tempDir(), "jobs.sqlite"));
    const memory = new MemoryJobStore();
    for (let i = 0; i < 200; i++) {
      const job = newJob(`j${String(i).padStart(3, "0")}`, 1000 + Math.floor(i / 3), { pipeline: i % 2 ? "odd" : "even" });
      await run(store.insert(job));
      await run(memory.insert(job));
    }
    for (const query of [{}, { pipeline: "odd" }, { status: "pending" as const, limit: 130 }, { limit: 64 }, { limit: 0 }]) {
      expect((await run(store.list(query))).map((job) => job.id)).toEqual((await run(memory.list(query))).map((job) => job.id));
    }
    store.close();
  });

  it("by status (each in the partial index of its status: running ones in the leases' index) and pipeline, answer as the memory store", async () => {
    const store = new SqliteJobStore(join(tempDir(), "jobs.sqlite"));
    const memory = new MemoryJobStore();
    const both = async (write: (into: SqliteJobStore | MemoryJobStore) => Effect.Effect<unknown, unknown>) => {
      await run(write(store));
      await run(write(memory));
    };
    for (let i = 0; i < 150; i++) {
      const owner = [undefined, "a", "b", LOCAL_USER_ID][i % 4];
      const job = newJob(`j${String(i).padStart(3, "0")}`, 1000 + Math.floor(i / 4), { pipeline: i % 3 ? "odd" : "even", ...(owner === undefined ? {} : { owner }) });
      await both((into) => into.insert(job));
      if (i % 5 === 0) continue;
      const running = ok(claim(job, { owner: "w", token: `t${i}`, now: 5000, leaseMs: 60_000 }));
      await both((into) => into.replace(running, job.version));
      if (i % 5 === 1) continue;
      const done =
        i % 5 === 2
          ? ok(complete(running, { token: `t${i}`, now: 6000, exitCode: 0 }))
          : i % 5 === 3
            ? ok(fail(running, { token: `t${i}`, now: 6000, reason: "exit 1", exitCode: 1, random: 0 }))
            : ok(finishCancelled(running, { token: `t${i}`, now: 6000, exitCode: null }));
      await both((into) => into.replace(done, running.version));
    }
    const statuses = ["pending", "running", "completed", "failed", "cancelled"] as const;
    for (const status of statuses) expect((await run(store.list({ status }))).length).toBeGreaterThan(0);
    const owners = ["a", "b", LOCAL_USER_ID, "nobody"].flatMap((owner) => [{ owner }, { owner, limit: 5 }, { owner, pipeline: "odd" }, ...statuses.map((status) => ({ owner, status, limit: 4 }))]);
    for (const query of [...statuses.flatMap((status) => [{ status }, { status, limit: 7 }, { status, pipeline: "odd" }, { status, pipeline: "even", limit: 3 }]), { pipeline: "even" }, ...owners]) {
      expect((await run(store.list(query))).map((job) => job.id)).toEqual((await run(memory.list(query))).map((job) => job.id));
    }
    store.close();
  });

  it("a file made with the index of every status is opened with the partial one instead, its answers unchanged", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const old = new SqliteJobStore(file);
    for (let i = 0; i < 10; i++) await run(old.insert(newJob(`o${i}`, 1000 + i)));
    old.db.exec("DROP INDEX jobs_listed; CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, id DESC);");
    old.close();
    const store = new SqliteJobStore(file);
    const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name").all();
    expect(indexes.map((index) => (index as { name: string }).name)).toEqual(["jobs_created", "jobs_leases", "jobs_listed", "jobs_owner_created", "jobs_pipeline_created", "jobs_ready"]);
    expect((await run(store.list({ status: "pending" }))).map((job) => job.id)).toEqual(Array.from({ length: 10 }, (_, i) => `o${9 - i}`));
    store.close();
  });
});

describe("sqlite job store listings by owner", () => {
  it("read only the owner's rows (`jobs_owner_created`): others' documents are never read, whatever the status or pipeline asked", async () => {
    const store = new SqliteJobStore(join(tempDir(), "jobs.sqlite"));
    for (let i = 0; i < 3; i++) await run(store.insert(newJob(`mine-${i}`, 1000 + i, { owner: "me" })));
    for (let i = 0; i < 300; i++) await run(store.insert(newJob(`other-${String(i).padStart(3, "0")}`, 2000 + i, { owner: i % 2 ? "other" : LOCAL_USER_ID })));
    // Others' documents no longer parse: a listing that read one would fail.
    store.db.prepare("UPDATE jobs SET doc = '{}' WHERE owner <> 'me'").run();
    const ids = async (query: Parameters<SqliteJobStore["list"]>[0]) => (await run(store.list(query))).map((job) => job.id);
    expect(await ids({ owner: "me", limit: 2 })).toEqual(["mine-2", "mine-1"]);
    expect(await ids({ owner: "me" })).toEqual(["mine-2", "mine-1", "mine-0"]);
    expect(await ids({ owner: "me", status: "pending", limit: 20 })).toEqual(["mine-2", "mine-1", "mine-0"]);
    expect(await ids({ owner: "me", pipeline: "p" })).toEqual(["mine-2", "mine-1", "mine-0"]);
    expect(await ids({ owner: "me", status: "completed" })).toEqual([]);
    store.close();
  });

  it("a file made before the owner column gets it, filled from each document; a row inserted without it (an older process) is filled by the trigger", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const old = new SqliteJobStore(file);
    old.close();
    // The file as the previous version left it: no owner column, index nor trigger.
    const raw = new Database(file);
    raw.exec("DROP TRIGGER jobs_owner_filled; DROP INDEX jobs_owner_created; ALTER TABLE jobs DROP COLUMN owner;");
    const insertOld = raw.prepare("INSERT INTO jobs (id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc) VALUES (?, 1, 'pending', 'p', ?, 0, ?, NULL, ?)");
    const oldRow = (job: Job) => insertOld.run(job.id, job.createdAt, job.runAt, JSON.stringify(job));
    oldRow(newJob("a-old", 1000, { owner: "a" }));
    oldRow(newJob("none-old", 1001));
    const store = new SqliteJobStore(file);
    // Written afterwards by a process of the previous version, which names no owner.
    oldRow(newJob("a-later", 1002, { owner: "a" }));
    await run(store.insert(newJob("b-new", 1003, { owner: "b" })));
    const ids = async (owner: string) => (await run(store.list({ owner }))).map((job) => job.id);
    expect(await ids("a")).toEqual(["a-later", "a-old"]);
    expect(await ids(LOCAL_USER_ID)).toEqual(["none-old"]);
    expect(await ids("b")).toEqual(["b-new"]);
    expect(store.db.prepare("SELECT count(*) AS n FROM jobs WHERE owner IS NULL").get()).toEqual({ n: 0 });
    // Opened again (every process does): nothing to add.
    new SqliteJobStore(file).close();
    store.close();
    raw.close();
  });
});

describe("sqlite job store: the owner of an old file's rows", () => {
  it("is filled in batches, each its own transaction, newest first: a batch that fails leaves the earlier ones filled, and the next open goes on", () => {
    const file = join(tempDir(), "jobs.sqlite");
    new SqliteJobStore(file).close();
    const raw = new Database(file);
    raw.exec("DROP TRIGGER jobs_owner_filled; DROP INDEX jobs_owner_created; ALTER TABLE jobs DROP COLUMN owner;");
    const insertOld = raw.prepare("INSERT INTO jobs (id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc) VALUES (?, 1, 'pending', 'p', ?, 0, ?, NULL, ?)");
    for (let i = 0; i < 5; i++) {
      const job = newJob(`j${i}`, 1000 + i, { owner: `u${i}` });
      insertOld.run(job.id, job.createdAt, job.runAt, JSON.stringify(job));
    }
    // What a process of this version adds before it fills, then a fault in the second batch (j2, j1).
    raw.exec("ALTER TABLE jobs ADD COLUMN owner TEXT; CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC);");
    raw.exec("CREATE TRIGGER fault BEFORE UPDATE OF owner ON jobs WHEN OLD.id = 'j1' BEGIN SELECT RAISE(ABORT, 'fault'); END;");
    expect(() => fillOwners(raw, 2)).toThrow("fault");
    const owners = () => raw.prepare<[], { id: string; owner: string | null }>("SELECT id, owner FROM jobs ORDER BY id").all();
    expect(owners()).toEqual([
      { id: "j0", owner: null },
      { id: "j1", owner: null },
      { id: "j2", owner: null },
      { id: "j3", owner: "u3" },
      { id: "j4", owner: "u4" },
    ]);
    raw.exec("DROP TRIGGER fault");
    const store = new SqliteJobStore(file);
    expect(owners().map((row) => row.owner)).toEqual(["u0", "u1", "u2", "u3", "u4"]);
    expect(fillOwners(store.db)).toBe(0);
    store.close();
    raw.close();
  });
});

/** The jobs table as the previous version made it: clustered by `id`, with its indexes. */
const PREVIOUS_LAYOUT = `
CREATE TABLE jobs (id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, pipeline TEXT NOT NULL, created_at INTEGER NOT NULL,
  priority REAL NOT NULL, run_at INTEGER NOT NULL, lease_expires_at INTEGER, doc TEXT NOT NULL, owner TEXT) WITHOUT ROWID;
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, created_at, id) WHERE status = 'pending';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_pipeline_created ON jobs (pipeline, created_at DESC, id DESC);
CREATE INDEX jobs_listed ON jobs (status, created_at DESC, id DESC) WHERE status <> 'running';
CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC);
CREATE TABLE exclusive_claims (pipeline TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;`;

describe("sqlite job store: a file whose jobs table is clustered by id (the previous layout)", () => {
  it("is rebuilt in arrival order at open, every job as it was; a process of that version goes on writing it; opened again, nothing changes", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const raw = new Database(file);
    raw.pragma("journal_mode = WAL");
    raw.exec(PREVIOUS_LAYOUT);
    // A process of the previous version: its own statements, as it prepared them.
    const insertOld = raw.prepare("INSERT INTO jobs (id, version, status, pipeline, created_at, priority, run_at, lease_expires_at, doc, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
    const writeOld = (job: Job) => insertOld.run(job.id, job.version, job.status, job.pipeline, job.createdAt, job.priority, job.runAt, job.status === "running" ? job.lease!.expiresAt : null, JSON.stringify(job), job.owner ?? LOCAL_USER_ID).changes;
    const memory = new MemoryJobStore();
    for (let i = 0; i < 60; i++) {
      // Ids in no order of their creation, as random UUIDs are.
      const pending = newJob(`${((i * 37) % 60).toString(36)}-${i}`, 1000 + i, { owner: i % 2 ? "a" : "b" });
      const running = ok(claim(pending, { owner: "w", token: `t${i}`, now: 5000, leaseMs: 60_000 }));
      const job = i % 3 === 0 ? pending : i % 3 === 1 ? running : ok(complete(running, { token: `t${i}`, now: 6000, exitCode: 0 }));
      expect(writeOld(job)).toBe(1);
      await run(memory.insert(job));
    }
    const store = new SqliteJobStore(file);
    const table = () => store.db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'jobs'").get()!.sql;
    expect(table()).not.toMatch(/WITHOUT ROWID/i);
    // Rows in creation order, every job and listing as before.
    const arrival = store.db.prepare<[], { id: string }>("SELECT id FROM jobs ORDER BY seq").all().map((row) => row.id);
    expect(arrival).toEqual((await run(memory.list({}))).map((job) => job.id).reverse());
    for (const query of [{}, { status: "running" as const }, { status: "pending" as const, limit: 5 }, { owner: "a" }, { owner: "b", status: "completed" as const }]) {
      expect(await run(store.list(query))).toEqual(await run(memory.list(query)));
    }
    expect((await run(store.claimCandidates(70_000, 100))).map((job) => job.id)).toEqual((await run(memory.claimCandidates(70_000, 100))).map((job) => job.id));
    // The old process writes on: an insert (a duplicate refused by `id`) and an update of a version.
    const later = newJob("later", 2000, { owner: "a" });
    expect(writeOld(later)).toBe(1);
    expect(writeOld(later)).toBe(0);
    const claimed = ok(claim(later, { owner: "w", token: "tl", now: 7000, leaseMs: 60_000 }));
    const updateOld = raw.prepare("UPDATE jobs SET version = ?, status = ?, priority = ?, run_at = ?, lease_expires_at = ?, doc = ? WHERE id = ? AND version = ?");
    expect(updateOld.run(claimed.version, claimed.status, claimed.priority, claimed.runAt, claimed.lease!.expiresAt, JSON.stringify(claimed), "later", later.version).changes).toBe(1);
    expect(await run(store.get("later"))).toEqual(claimed);
    expect((await run(store.list({ owner: "a", limit: 1 }))).map((job) => job.id)).toEqual(["later"]);
    // Every process opens the file: once rebuilt, it is left as it is.
    const sql = table();
    new SqliteJobStore(file).close();
    expect(table()).toBe(sql);
    expect(store.db.prepare("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 61 });
    store.close();
    raw.close();
  });
});

describe("sqlite job store documents", () => {
  it("a document another connection rewrote is read anew, not answered from what this one parsed before", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const [one, two] = [new SqliteJobStore(file), new SqliteJobStore(file)];
    const job = await run(one.insert(newJob("shared", 1000)));
    expect((await run(one.claimCandidates(5000, 4))).map((found) => found.version)).toEqual([1]);
    const claimed = ok(claim(job, { owner: "w2", token: "t2", now: 5000, leaseMs: 1000 }));
    await run(two.replace(claimed, job.version));
    expect(await run(one.get("shared"))).toEqual(claimed);
    // The same version rewritten by hand: still read as it is now.
    two.db.prepare("UPDATE jobs SET doc = ? WHERE id = 'shared'").run(JSON.stringify({ ...claimed, error: "edited" }));
    expect(await run(one.get("shared"))).toMatchObject({ version: 2, error: "edited" });
    one.close();
    two.close();
  });
});

describe("sqlite log store", () => {
  it("keeps lines in rows of 128: reads across rows and pages longer than one statement are whole and in order", async () => {
    const logs = new SqliteLogStore(join(tempDir(), "jobs.sqlite"));
    const entry = (i: number) => ({ stream: "stdout" as const, timestamp: "t", message: `line ${i}` });
    await run(logs.append("job", Array.from({ length: 300 }, (_, i) => entry(i))));
    await run(logs.append("job", [entry(300)]));
    expect(logs.db.prepare("SELECT count(*) AS rows FROM job_log_chunks").get()).toEqual({ rows: 4 });
    const across = await run(logs.read("job", 120, 20));
    expect(across.lines.map((line) => line.offset)).toEqual(Array.from({ length: 20 }, (_, i) => 120 + i));
    const all = await run(logs.read("job", 1, 1000));
    expect(all.lines.map((line) => line.message)).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i + 1}`));
    expect(all.nextOffset).toBe(301);
    expect(await run(logs.read("job", 500, 10))).toEqual({ lines: [], nextOffset: 301 });
    logs.db.prepare("UPDATE job_log_chunks SET lines = '[[\"stdout\",1]]' WHERE first_offset = 0").run();
    expect(JSON.stringify(await Effect.runPromiseExit(logs.read("job", 0, 5)))).toContain("StorageFailure");
  });

  it("a file whose rows are clustered by job (the previous layout) is rebuilt in arrival order at open: every line read as before, appends numbered after them", async () => {
    const file = join(tempDir(), "jobs.sqlite");
    const raw = new Database(file);
    raw.exec("CREATE TABLE job_log_chunks (job_id TEXT NOT NULL, first_offset INTEGER NOT NULL, count INTEGER NOT NULL, lines TEXT NOT NULL, PRIMARY KEY (job_id, first_offset)) WITHOUT ROWID");
    const row = raw.prepare("INSERT INTO job_log_chunks VALUES (?, ?, ?, ?)");
    const lines = (from: number, count: number) => JSON.stringify(Array.from({ length: count }, (_, i) => ["stdout", "t", `line ${from + i}`]));
    for (const job of ["b", "a"]) (row.run(job, 0, 128, lines(0, 128)), row.run(job, 128, 2, lines(128, 2)));
    raw.close();
    const logs = new SqliteLogStore(file);
    expect(logs.db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'job_log_chunks'").get()!.sql).not.toMatch(/WITHOUT ROWID/i);
    for (const job of ["a", "b"]) {
      const page = await run(logs.read(job, 0, 1000));
      expect(page.lines.map((line) => line.message)).toEqual(Array.from({ length: 130 }, (_, i) => `line ${i}`));
      expect(page.nextOffset).toBe(130);
    }
    expect((await run(logs.append("a", [{ stream: "stdout", timestamp: "t", message: "after" }])))[0]!.offset).toBe(130);
    // Every process opens the file: once rebuilt, it is left as it is.
    new SqliteLogStore(file).close();
    expect(logs.db.prepare("SELECT count(*) AS rows FROM job_log_chunks").get()).toEqual({ rows: 5 });
  });
});

describe("file store data on first start with JOBS_STORE=sqlite", () => {
  async function fileStoreWithJobs(root: string): Promise<Job[]> {
    const files = new FileJobStore(root);
    await run(files.insert(newJob("a", 1000)));
    const b = await run(files.insert(newJob("b", 2000, { priority: 3 })));
    await run(files.replace(ok(claim(b, { owner: "w", token: "t", now: 3000, leaseMs: 1000 })), b.version));
    await run(files.insert(newJob("c", 2500, { runAt: 9_000 })));
    await run(files.putExclusive(takeClaim(unclaimed("train"), "a", 1, 1000), 0));
    await run(new FileLogStore(join(root, "logs")).append("b", Array.from({ length: 150 }, (_, i) => ({ stream: "stdout" as const, timestamp: "t", message: `line ${i}` }))));
    return run(files.list());
  }

  it("is refused with a message naming `parallax migrate-jobs`; migrated, every job and claim is there at its version, once", async () => {
    const root = join(tempDir(), "jobs");
    const before = await fileStoreWithJobs(root);
    expect(() => openSqliteJobStore(root)).toThrow(ConfigError);
    expect(() => openSqliteJobStore(root)).toThrow(/parallax migrate-jobs/);

    const imported = await run(migrateFileJobs(root, 5000));
    expect(imported).toMatchObject({ file: sqliteJobsFile(root), jobs: 3, claims: 1, logLines: 150, skipped: 0 });
    const logs = new SqliteLogStore(sqliteJobsFile(root));
    expect(await run(logs.size("b"))).toBe(150);
    expect((await run(logs.read("b", 148, 10))).lines.map((line) => [line.offset, line.message])).toEqual([
      [148, "line 148"],
      [149, "line 149"],
    ]);
    logs.close();
    const store = openSqliteJobStore(root);
    expect(await run(store.list())).toEqual(before);
    expect(await run(store.getExclusive("train"))).toMatchObject({ holder: "a", version: 1 });
    expect((await run(store.claimCandidates(5000, 10))).map((job) => job.id)).toEqual(["b", "a"]);
    expect(JSON.parse(store.meta(FILE_IMPORT_KEY)!)).toMatchObject({ jobs: 3, claims: 1 });
    store.close();
    expect(await run(migrateFileJobs(root, 6000))).toMatchObject({ jobs: 0, claims: 0, logLines: 0, skipped: 4 });
  });

  it("the jobs module refuses at resolution; without file data it opens an empty store", async () => {
    const parse = (env: Record<string, string>) => z.object({ ...sharedConfigShape, ...jobsConfigShape }).parse(env) as JobsConfig;
    const withFiles = tempDir();
    await fileStoreWithJobs(join(withFiles, "jobs"));
    const container = new Container();
    container.load(jobsModule(parse({ DATA_DIR: withFiles, JOBS_STORE: "sqlite" })));
    expect(() => container.get(JobStore)).toThrow(/parallax migrate-jobs/);

    const empty = new Container();
    empty.load(jobsModule(parse({ DATA_DIR: tempDir(), JOBS_STORE: "sqlite", JOBS_SQLITE_SYNCHRONOUS: "full" })));
    const store = empty.get<SqliteJobStore>(JobStore);
    expect(store).toBeInstanceOf(SqliteJobStore);
    expect(store.db.pragma("synchronous", { simple: true })).toBe(2);
    expect(await run(store.list())).toEqual([]);
    expect(empty.get(LogStore)).toBeInstanceOf(SqliteLogStore);
    // One connection per process for jobs and logs.
    const singletons = new Container({ defaultScope: "Singleton" });
    singletons.load(jobsModule(parse({ DATA_DIR: tempDir(), JOBS_STORE: "sqlite" })));
    expect(singletons.get<SqliteLogStore>(LogStore).db).toBe(singletons.get<SqliteJobStore>(JobStore).db);
  });
});
