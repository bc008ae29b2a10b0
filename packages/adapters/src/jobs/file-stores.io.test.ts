import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { createJob } from "@parallax/domain/jobs";
import { FileJobStore } from "./file-job.store.js";
import { FileLogStore } from "./file-log.store.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-file-io-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const entry = (message: string) => ({ stream: "stdout" as const, timestamp: "t", message });

describe("file log store keeping a job's log open between appends", () => {
  it("numbers its next lines after the lines another process appended meanwhile", async () => {
    const dir = tempDir();
    const store = new FileLogStore(dir);
    await run(store.append("job", [entry("one")]));
    appendFileSync(join(dir, "job.ndjson"), `${JSON.stringify(["stdout", "t", "from elsewhere"])}\n`);
    const appended = await run(store.append("job", [entry("three")]));
    expect(appended.map((line) => line.offset)).toEqual([2]);
    expect((await run(new FileLogStore(dir).read("job", 0, 10))).lines.map((line) => line.message)).toEqual(["one", "from elsewhere", "three"]);
  });

  it("appends to a log it did not create from its first line on", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "job.ndjson"), `${JSON.stringify(["stdout", "t", "earlier"])}\n`);
    const appended = await run(new FileLogStore(dir).append("job", [entry("next")]));
    expect(appended.map((line) => line.offset)).toEqual([1]);
  });

  it("keeps reading a job's log right after its line index was forgotten for a thousand newer jobs", async () => {
    const store = new FileLogStore(tempDir());
    await run(store.append("first", [entry("a"), entry("b")]));
    for (let job = 0; job < 1_030; job++) await run(store.append(`job-${job}`, [entry(String(job))]));
    await run(store.append("first", [entry("c")]));
    const page = await run(store.read("first", 1, 10));
    expect(page.lines.map((line) => [line.offset, line.message])).toEqual([[1, "b"], [2, "c"]]);
    expect(page.nextOffset).toBe(3);
  });
});

describe("file job store queue markers", () => {
  it("a ready marker left behind by a superseded version is removed at the refresh after it was seen", async () => {
    const dir = tempDir();
    const store = new FileJobStore(dir, { refreshMs: 0 });
    const job = await run(store.insert(createJob({ id: "left", pipeline: "p", command: ["true"] }, 1000)));
    const marker = readdirSync(join(dir, "ready"))[0]!;
    // Another writer superseded version 1 and died before removing its marker.
    writeFileSync(join(dir, "items", "left", "2.json"), JSON.stringify({ ...job, version: 2, status: "cancelled" }));
    const worker = new FileJobStore(dir, { refreshMs: 0 });
    expect(await run(worker.claimCandidates(5000, 4))).toEqual([]);
    expect(existsSync(join(dir, "ready", marker))).toBe(true);
    expect(await run(worker.claimCandidates(5000, 4))).toEqual([]);
    expect(existsSync(join(dir, "ready", marker))).toBe(false);
  });
});
