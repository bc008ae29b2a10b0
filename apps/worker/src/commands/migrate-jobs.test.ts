import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { createJob } from "@parallax/domain/jobs";
import { FileJobStore, openSqliteJobStore } from "@parallax/adapters/jobs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const work = mkdtempSync(join(tmpdir(), "parallax-migrate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });

describe("parallax migrate-jobs", () => {
  it("a worker with JOBS_STORE=sqlite beside file-store jobs refuses (exit 2) naming the command; the command imports them; then the store opens with them", async () => {
    const dataDir = join(work, "data");
    const files = new FileJobStore(join(dataDir, "jobs"));
    for (const id of ["one", "two"]) await Effect.runPromise(files.insert(createJob({ id, pipeline: "p", command: ["true"] }, 1000)));

    const refused = cli(["worker", "--data-dir", dataDir], { JOBS_STORE: "sqlite" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("parallax migrate-jobs");

    const migrated = cli(["migrate-jobs", "--data-dir", dataDir], {});
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain("imported 2 jobs");

    const store = openSqliteJobStore(join(dataDir, "jobs"));
    expect((await Effect.runPromise(store.list())).map((job) => job.id).sort()).toEqual(["one", "two"]);
    store.close();
  }, 120_000);
});
