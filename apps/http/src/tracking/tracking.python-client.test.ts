import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost } from "../host/test-host.testkit.js";
import type { Host } from "../host/host.js";
import { missing, tempDir } from "../../../../packages/adapters/src/tracking/vision.testkit.js";

/**
 * The old system's own kind of test client, in Python with httpx and websockets (Debian's
 * python3-httpx and python3-websockets), against a real host on the demo environment: it waits
 * on /health for all four §D flags, starts a task, connects with Origin set to the host's own
 * origin and a 16 MiB message limit, and reads until COMPLETED. Its summary is asserted here.
 */
const PYTHON = "/usr/bin/python3";

function pythonSkip(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import httpx, websockets"], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return `${PYTHON} cannot import httpx and websockets (${String((error as { stderr?: Buffer }).stderr ?? error).trim().split("\n").at(-1)})`;
  }
}
const skip = missing({ ffmpeg: true }) ?? pythonSkip();
if (skip) process.stdout.write(`Python client test skipped: ${skip}\n`);

const CLIENT = String.raw`
import asyncio, json, sys, time
import httpx, websockets

BASE = sys.argv[1]
FLAGS = ("detector_model_loaded", "prototype_tracker_loaded (reid_model)", "homography_matrices_precomputed")

async def main():
    async with httpx.AsyncClient(base_url=BASE, timeout=10) as client:
        for _ in range(600):
            health = (await client.get("/health")).json()
            if health.get("status") == "healthy" and all(health.get(flag) is True for flag in FLAGS):
                break
            await asyncio.sleep(0.1)
        else:
            raise SystemExit("health never became ready: " + json.dumps(health))
        started = await client.post("/api/v1/processing-tasks/start", json={"environment_id": "demo"})
        started.raise_for_status()
        body = started.json()
    counts = {"tracking_update": 0, "status_update": 0, "batch_processing_complete": 0}
    batches, statuses, with_frames, final = [], [], 0, None
    url = BASE.replace("http", "ws", 1) + body["websocket_url"]
    async with websockets.connect(url, origin=BASE, max_size=16 * 1024 * 1024) as socket:
        async for raw in socket:
            message = json.loads(raw)
            kind, payload = message["type"], message["payload"]
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "tracking_update":
                with_frames += all("frame_image_base64" in c for c in payload["cameras"].values())
            elif kind == "batch_processing_complete":
                batches.append(payload["sub_video_batch_index"])
            elif kind == "status_update":
                statuses.append(payload["status"])
                if payload["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                    final = payload
                    break
    print(json.dumps({"task_id": body["task_id"], "counts": counts, "batches": batches, "statuses": statuses, "with_frames": with_frames, "final": final}))

asyncio.run(main())
`;

describe.skipIf(skip)("the old Python test client (httpx + websockets) against a tracking host", () => {
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost({ DATA_DIR: tempDir("python-client") });
  });
  afterAll(() => host?.close());

  it("waits for health, starts the demo, follows the socket to COMPLETED with every kind of message", async () => {
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", CLIENT, host.url()], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    process.stdout.write(`Python client: ${JSON.stringify({ counts: summary.counts, batches: summary.batches, with_frames: summary.with_frames })}\n`);
    expect(summary.final).toMatchObject({ status: "COMPLETED", progress: 1, environment_id: "demo", completed_sub_video_batches: 2 });
    expect(summary.counts.tracking_update).toBeGreaterThan(100);
    expect(summary.counts.tracking_update).toBeLessThanOrEqual(120);
    // The client may connect after the first frame index: pictures on all cameras from then on.
    expect(summary.with_frames).toBeGreaterThanOrEqual(summary.counts.tracking_update - 1);
    expect(summary.counts.status_update).toBeGreaterThan(3);
    expect(summary.batches).toEqual([0, 1]);
    expect(summary.counts.batch_processing_complete).toBe(2);
    expect(summary.statuses.at(-1)).toBe("COMPLETED");
  }, 120_000);
});
