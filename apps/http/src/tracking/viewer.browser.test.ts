import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http } from "../host/http-client.testkit.js";
import { startTestHost } from "../host/test-host.testkit.js";
import type { Host } from "../host/host.js";
import { missing, tempDir } from "../../../../packages/adapters/src/tracking/vision.testkit.js";

/**
 * The viewer page in headless Chromium on the demo task: pictures from the socket, boxes labelled
 * by global id, trajectories on the map, then a seek over stored results (pictures from the frames
 * route). The page counts what it drew on <body data-*>; the map is also checked by its pixels.
 * Pictures are scaled down to half the demo's 320-pixel frames (TRACKING_JPEG_MAX_WIDTH=160), so
 * boxes must be scaled by the frame sizes the `/cameras` route answers to land on them.
 * The screenshot is kept in a temporary directory for a person to look at.
 */
const CHROMIUM = "/usr/bin/chromium";
const skip = missing({ ffmpeg: true }) ?? (existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`);
if (skip) process.stdout.write(`viewer browser test skipped: ${skip}\n`);

// The functions below run in the page (Playwright sends their source there; the page's CSP forbids
// code given as strings). These tests are compiled without the DOM's types, hence this much of them.
interface PageCanvas { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  getElementById(id: string): ({ textContent: string | null } & PageCanvas) | null;
  querySelectorAll(selector: string): Iterable<PageCanvas & { dataset: Record<string, string | undefined> }>;
};

const counters = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }));

describe.skipIf(skip)("the tracking viewer in headless Chromium", () => {
  let host: Host;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  beforeAll(async () => {
    host = await startTestHost({ DATA_DIR: tempDir("viewer"), TRACKING_JPEG_MAX_WIDTH: 160 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
    page.on("console", (message) => { if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text()); });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("response", (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it("draws each camera's picture with boxes labelled by global id and the trajectories on the map, live and when seeking", async () => {
    const started = await http(host.url(), "POST", "/api/v1/processing-tasks/start", { environment_id: "demo" });
    const response = await page.goto(`${host.url()}/viewer?task=${started.body.task_id}`);
    expect(response?.headers()["content-security-policy"]).toMatch(/default-src 'none'/);
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("COMPLETED"), undefined, { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.body.dataset["trajectoryPoints"]) > 20, undefined, { timeout: 20_000 });
    const live = await counters(page);
    expect(Number(live["frames"])).toBeGreaterThan(4 * 10);
    expect(Number(live["boxes"])).toBeGreaterThan(10);
    expect(await page.locator("#cameras canvas").count()).toBe(4);

    // Trajectory colours (saturated) on the map's dark background.
    const coloured = await page.evaluate(() => {
      const canvas = document.getElementById("map")!;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 100) n++;
      return n;
    });
    expect(coloured).toBeGreaterThan(200);

    // Seeking pauses and shows a stored frame with pictures from the frames route.
    const before = Number((await counters(page))["frames"]);
    await page.locator("#seek").fill("60");
    await page.waitForFunction((n) => Number(document.body.dataset["frames"]) >= n + 4, before, { timeout: 20_000 });
    expect(await page.locator("#frame").textContent()).toBe("frame 60 / 119");
    expect(await page.locator("#play").textContent()).toBe("Play");

    // Boxes in frame pixels (320 wide), pictures 160 wide: each box drawn at half its stored place.
    const sizes = await http(host.url(), "GET", `/api/v1/processing-tasks/${started.body.task_id}/cameras`);
    expect(sizes.status).toBe(200);
    expect(Object.keys(sizes.body.cameras)).toHaveLength(4);
    for (const size of Object.values(sizes.body.cameras)) expect(size).toEqual({ width: 320, height: 180 });
    const drawn = await page.evaluate(() => [...document.querySelectorAll("#cameras canvas")].map((c) => ({ camera: c.dataset["camera"]!, width: c.width, scale: c.dataset["scale"], index: c.dataset["index"], box: c.dataset["box"] })));
    const stored = (await http(host.url(), "GET", `/api/v1/processing-tasks/${started.body.task_id}/results?from=60&to=61`)).body.results[0];
    let checked = 0;
    for (const canvas of drawn) {
      expect(canvas).toMatchObject({ width: 160, scale: "0.5", index: "60" });
      const tracks = stored.cameras[canvas.camera].tracks as { bbox_xyxy: number[] }[];
      if (tracks.length === 0) continue;
      expect(canvas.box!.split(",").map(Number)).toEqual(tracks.at(-1)!.bbox_xyxy.map((v) => Number((v * 0.5).toFixed(2))));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);

    const screenshot = join(tempDir("viewer-shot"), "viewer.png");
    await page.screenshot({ path: screenshot });
    process.stdout.write(`viewer screenshot: ${screenshot}\n`);
    expect(problems).toEqual([]);
  }, 120_000);

  it("answers 404 for the frame sizes of an unknown task and 422 for a non-UUID id", async () => {
    expect(await http(host.url(), "GET", "/api/v1/processing-tasks/00000000-0000-4000-8000-000000000000/cameras")).toEqual({ status: 404, body: { detail: "Processing task not found." } });
    expect((await http(host.url(), "GET", "/api/v1/processing-tasks/not-a-uuid/cameras")).status).toBe(422);
  });
});
