import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadConfig, type Config } from "@parallax/adapters";
import type { HostModule } from "./host-module.js";
import { composeHost } from "../start.js";
import type { Host } from "./host.js";
import { rawExchange } from "./raw-http.testkit.js";
import { startTestHost } from "./test-host.testkit.js";
import { WebSocketRecorder } from "./websocket-recorder.testkit.js";

/** Issue 14's resource bounds, each with a short limit so the test sees it act. */
let host: Host | undefined;
const start = async (overrides: Partial<Config>) => (host = await startTestHost({ STORAGE: "memory", WORKER: "off", ...overrides }));
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const port = (h: Host) => Number(new URL(h.url()).port);
const health = async (h: Host) => (await fetch(`${h.url()}/health`)).status;

/** A request that declares a 1 MB body and sends ten bytes of it. */
const unfinishedBody = (h: Host) =>
  `PUT /notebooks/x/cells/spatial HTTP/1.1\r\nHost: 127.0.0.1:${port(h)}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"x": 1, "`;

/** A raw connection that reads (and drops) what comes, so it notices when the host closes it. */
function openSocket(h: Host): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(h), "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    socket.resume();
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));
}

describe("request bounds", () => {
  it("200 connections holding unfinished bodies are closed by the body-idle timeout, and /health answers throughout", async () => {
    const h = await start({ BODY_IDLE_TIMEOUT_MS: 300, MAX_CONNECTIONS_PER_IP: 1_000 });
    const stalled = Array.from({ length: 200 }, () => rawExchange(port(h), unfinishedBody(h), { end: false }));
    expect(await health(h)).toBe(200);
    const outcomes = await Promise.all(stalled);
    expect(outcomes.filter((outcome) => outcome.hung)).toEqual([]);
    expect(await health(h)).toBe(200);
  });

  it("a body that keeps arriving, however slowly, is not cut by the body-idle timeout", async () => {
    const h = await start({ BODY_IDLE_TIMEOUT_MS: 300 });
    const socket = await openSocket(h);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    const body = '{"x": 1, "y": 2, "z": 3, "pitch": 0, "yaw": 0, "roll": 0}';
    socket.write(`PUT /notebooks/x/cells/spatial HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // Each piece comes well within the idle limit; all of them take several times that limit.
    for (const piece of body.match(/.{1,4}/g)!) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(piece);
    }
    await closed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
  });

  it("a body that trickles in without pause is still ended by the request timeout", async () => {
    const h = await start({ BODY_IDLE_TIMEOUT_MS: 60_000, REQUEST_TIMEOUT_MS: 1_000, HEADERS_TIMEOUT_MS: 1_000 });
    const socket = await openSocket(h);
    socket.on("error", () => undefined);
    socket.write(unfinishedBody(h));
    const drip = setInterval(() => socket.writable && socket.write(" "), 50);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    await closed(socket);
    clearInterval(drip);
    expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
    expect(await health(h)).toBe(200);
  });

  it("a request head that never ends is closed by the headers timeout", async () => {
    const h = await start({ HEADERS_TIMEOUT_MS: 500 });
    const socket = await openSocket(h);
    socket.on("error", () => undefined);
    socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    await closed(socket);
    expect(await health(h)).toBe(200);
  });

  it("a client address past MAX_CONNECTIONS_PER_IP gets 503 on its next connection; freed slots are usable again", async () => {
    const h = await start({ MAX_CONNECTIONS_PER_IP: 20 });
    const held = await Promise.all(Array.from({ length: 20 }, () => openSocket(h)));
    const refused = await rawExchange(port(h), `GET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(refused.status).toBe(503);
    for (const socket of held.slice(0, 5)) socket.destroy();
    // The host counts a slot free once it has seen the close, a moment after the client did.
    let status = await health(h);
    while (status === 503) status = await health(h);
    expect(status).toBe(200);
    for (const socket of held) socket.destroy();
  });

  it("TRUST_PROXY decides whether X-Forwarded-For names the client", async () => {
    const probe: HostModule = {
      name: "probe",
      register: ({ routes }) => routes.add({ method: "get", path: "/api/ip", summary: "the client address as the host sees it", handler: ({ ctx }) => ({ ip: ctx.ip }) }),
    };
    for (const [trust, expected] of [[false, "127.0.0.1"], [true, "203.0.113.7"]] as const) {
      const config = loadConfig({}, { STORAGE: "memory", LOG_LEVEL: "silent", TRUST_PROXY: trust });
      const proxied = composeHost(config, { modules: () => [probe] });
      await proxied.listen(0, "127.0.0.1");
      try {
        const { ip } = (await (await fetch(`${proxied.url()}/api/ip`, { headers: { "x-forwarded-for": "203.0.113.7" } })).json()) as { ip: string };
        expect(ip.replace(/^::ffff:/, "")).toBe(expected);
      } finally {
        await proxied.close();
      }
    }
  });
});

describe("JSON depth", () => {
  const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const deepNotebook = `{"nbformat":4,"nbformat_minor":5,"metadata":{"deep":${deep(20_000)}},"cells":[]}`;

  it("an over-deep body is 422 {detail} on /api routes and 400 {error} on §A routes, never 500", async () => {
    const h = await start({ MAX_JSON_DEPTH: 100 });
    const send = (method: string, path: string, body: string) => fetch(`${h.url()}${path}`, { method, headers: { "content-type": "application/json" }, body });
    const jobs = await send("POST", "/api/jobs", `{"pipeline":"x","params":{"a":${deep(20_000)}}}`);
    expect(jobs.status).toBe(422);
    expect(((await jobs.json()) as { detail: string }).detail).toMatch(/deeper than 100/);
    expect((await send("PUT", "/api/v1/notebooks/x/name", `{"name":${deep(101)}}`)).status).toBe(422);
    const spatial = await send("PUT", "/notebooks/x/cells/spatial", deep(20_000));
    expect(spatial.status).toBe(400);
    expect(((await spatial.json()) as { error: string }).error).toMatch(/deeper than 100/);
    expect((await send("PUT", "/api/v1/notebooks/x/name", `{"name":${deep(99)}}`)).status).toBe(422);
  });

  it.each([
    ["/convert/deep", "file"],
    ["/process_notebook", "notebook"],
  ])("an over-deep notebook uploaded to %s is a JSON 400", async (path, field) => {
    const h = await start({});
    const form = new FormData();
    form.append(field, new Blob([deepNotebook], { type: "application/json" }), "notebook.ipynb");
    const response = await fetch(`${h.url()}${path}`, { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/nested deeper than 1000 levels/);
  });
});

describe("WebSocket bounds", () => {
  const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  const opened = (socket: WebSocket) => new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));

  it("a message over WS_MAX_MESSAGE_BYTES, whole or in fragments, closes the socket with 1009 before authentication", async () => {
    const h = await start({ WS_MAX_MESSAGE_BYTES: 4_096 });
    const url = `${h.url().replace("http", "ws")}/api/v1/ws/notebooks/demo`;
    const whole = new WebSocket(url);
    await opened(whole);
    const wholeClosed = closeCode(whole);
    whole.send("x".repeat(4_097));
    expect(await wholeClosed).toBe(1009);

    const fragmented = new WebSocket(url);
    await opened(fragmented);
    const fragmentsClosed = closeCode(fragmented);
    // Never finished: each fragment is small, the unfinished message is what must stay bounded.
    for (let i = 0; i < 5; i++) fragmented.send("f".repeat(1_000), { fin: false });
    expect(await fragmentsClosed).toBe(1009);
    expect(await health(h)).toBe(200);
  });

  it("a client value echoed in an error is cut to 200 characters", async () => {
    const h = await start({});
    const { notebook_id } = (await (await fetch(`${h.url()}/api/v1/notebooks/`, { method: "POST" })).json()) as { notebook_id: string };
    const client = await WebSocketRecorder.open(`${h.url().replace("http", "ws")}/api/v1/ws/notebooks/${notebook_id}`);
    try {
      client.send({ type: "authenticate", token: "t" });
      await client.waitFor((message) => message["type"] === "authenticated");
      client.send({ type: "run_cell", cellId: "c".repeat(500_000) });
      const error = await client.waitFor((message) => message["type"] === "error");
      expect(String(error["cellId"]).length).toBeLessThanOrEqual(201);
      expect(String(error["cellId"])).toMatch(/^c{200}/);
    } finally {
      await client.close();
    }
  });
});
