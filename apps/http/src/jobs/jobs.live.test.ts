import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupAlive } from "@parallax/adapters/jobs";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http, ownStatus, record, until } from "./jobs.testkit.js";

/** Live behaviour over real sockets: resumable logs, cancellation, slow clients, the dashboard. */
const work = mkdtempSync(join(tmpdir(), "parallax-jobs-live-"));
const marker = `parallax-live-${process.pid}`;
const CHROMIUM = "/usr/bin/chromium";
let host: Host;
let base: string;
let wsBase: string;

beforeAll(async () => {
  writeFileSync(
    join(work, "pipelines.json"),
    JSON.stringify({
      pipelines: [
        { name: "ticker", command: ["python3", "-c", "import time\nfor i in range({count}):\n    print(f'tick {{i}}', flush=True)\n    time.sleep(0.004)", ""], params: { count: { type: "integer", default: 300 } } },
        { name: "forever", command: ["sh", "-c", "echo started; sleep 100 & sleep 100", marker] },
        { name: "spew", command: ["python3", "-c", "import sys\nline = 'x' * 200 + '\\n'\nfor i in range(60000): sys.stdout.write(line)", ""] },
      ],
    }),
  );
  host = await startTestHost({
    DATA_DIR: join(work, "data"),
    PIPELINES_FILE: join(work, "pipelines.json"),
    JOB_POLL_MS: 50,
    JOB_CANCEL_POLL_MS: 100,
    WORKER_CONCURRENCY: 3,
    WORKER_DRAIN_MS: 0,
    JOB_KILL_GRACE_MS: 1000,
    // Well under the 12 MB the slow-client test writes, whatever the kernel's socket buffers absorb.
    WS_MAX_BUFFERED_BYTES: 1024 * 1024,
  });
  base = host.url();
  wsBase = base.replace("http", "ws");
});

afterAll(async () => {
  await host?.close();
  rmSync(work, { recursive: true, force: true });
});

const submit = async (pipeline: string, params: Record<string, unknown> = {}) => (await http(base, "POST", "/api/jobs", { pipeline, params })).body.job_id as string;
const status = (id: string) => ownStatus(base, id);
const waitStatus = (id: string, wanted: string, timeoutMs = 15_000) => until(async () => ((await status(id)) === wanted ? true : undefined), `${id} ${wanted}`, timeoutMs);

async function findGroup(): Promise<number> {
  return until(async () => {
    const row = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" })
      .split("\n")
      .find((line) => line.includes(`sh -c echo started; sleep 100 & sleep 100 ${marker}`));
    return row ? Number(row.trim().split(/\s+/)[1]) : undefined;
  }, "the job's process group");
}

describe("live job logs", () => {
  it("a client reconnecting with `offset` receives the missing lines exactly once", async () => {
    const id = await submit("ticker");
    const first = await record(`${wsBase}/api/jobs/${id}/logs?offset=0`);
    await first.waitFor((m) => m.type === "log" && (m.offset as number) >= 40);
    first.close();
    await first.closed;
    const seen = first.messages.filter((m) => m.type === "log");
    const resumeAt = (seen.at(-1)!.offset as number) + 1;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await record(`${wsBase}/api/jobs/${id}/logs?offset=${resumeAt}`);
    const end = await second.waitFor((m) => m.type === "complete");
    expect(end.job).toMatchObject({ job_id: id, status: "completed" });
    const resumed = second.messages.filter((m) => m.type === "log");
    expect(resumed[0]!.offset).toBe(resumeAt);
    const offsets = [...seen, ...resumed].map((m) => m.offset as number);
    const total = (await http(base, "GET", `/api/jobs/${id}/logs?offset=0&limit=10000`)).body.lines.length as number;
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i));
    const ticks = [...seen, ...resumed].map((m) => m.message as string).filter((message) => message.startsWith("tick "));
    expect(ticks).toEqual(Array.from({ length: 300 }, (_, i) => `tick ${i}`));
    expect((await second.closed).code).toBe(1000);
  });

  it("an unknown job's log socket says so and closes", async () => {
    const socket = await record(`${wsBase}/api/jobs/nope/logs`);
    expect(await socket.waitFor((m) => m.type === "error")).toEqual({ type: "error", error: "Job not found" });
    expect((await socket.closed).code).toBe(4404);
  });

  it("cancelling a running `sh -c 'sleep 100 & sleep 100'` over HTTP ends it cancelled within 2 s, group gone", async () => {
    const feed = await record(`${wsBase}/api/logs`);
    const id = await submit("forever");
    await waitStatus(id, "running");
    const pgid = await findGroup();
    expect(groupAlive(pgid)).toBe(true);
    const requested = Date.now();
    const response = await http(base, "POST", `/api/jobs/${id}/cancel`);
    expect(response.status).toBe(200);
    await waitStatus(id, "cancelled", 2_000);
    expect(Date.now() - requested).toBeLessThan(2_000);
    expect(groupAlive(pgid)).toBe(false);
    const error = await feed.waitFor((m) => m.type === "error" && (m.job as { job_id: string }).job_id === id);
    // /api/logs is §C's: old clients know `completed` and `failed` only.
    expect(error).toMatchObject({ job_id: id, error: "Cancelled", message: "Cancelled", job: { status: "failed", error: "Cancelled" } });
    expect(await http(base, "POST", `/api/jobs/${id}/cancel`)).toEqual({ status: 409, body: { detail: "Job is already cancelled" } });
    feed.close();
  });

  it("drops a client that does not read, without holding back the others", async () => {
    const stalled = new WebSocket(`${wsBase}/api/logs`);
    await new Promise((resolve) => stalled.once("open", resolve));
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
    const stalledClosed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
    const healthy = await record(`${wsBase}/api/logs`);
    const id = await submit("spew");
    await healthy.waitFor((m) => m.type === "complete" && (m.job as { job_id: string }).job_id === id, { timeoutMs: 40_000 });
    expect(healthy.messages.filter((m) => m.type === "log" && m.job_id === id).length).toBeGreaterThanOrEqual(60_000);
    (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
    await stalledClosed;
    healthy.close();
    // Replaying that 12 MB log from offset 0 is paced by the client, not cut off.
    const replay = await record(`${wsBase}/api/jobs/${id}/logs?offset=0`);
    await replay.waitFor((m) => m.type === "complete", { timeoutMs: 40_000 });
    const offsets = replay.messages.filter((m) => m.type === "log").map((m) => m.offset as number);
    expect(offsets.length).toBeGreaterThanOrEqual(60_000);
    expect(offsets.every((offset, index) => offset === index)).toBe(true);
  }, 90_000);
});

describe.skipIf(!existsSync(CHROMIUM))("jobs dashboard in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("cancel on a running job turns it cancelled, and its log shows live", async () => {
    const id = await submit("forever");
    await waitStatus(id, "running");
    const page = await browser.newPage();
    await page.goto(`${base}/jobs`);
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.locator(".status", { hasText: "running" }).waitFor({ timeout: 10_000 });
    await row.locator("button.logs").click();
    await page.locator("#log", { hasText: "started" }).waitFor({ timeout: 10_000 });
    await row.locator("button.cancel").click();
    await page.locator(`tr[data-job-id="${id}"] .status`, { hasText: "cancelled" }).waitFor({ timeout: 10_000 });
    expect(await status(id)).toBe("cancelled");
    await page.close();
  });
});
