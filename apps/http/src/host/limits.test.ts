import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "./host.js";
import { isLoopback, warnIfOpenWithoutAuth } from "./host-server.js";
import { startTestHost } from "./test-host.testkit.js";
import { WebSocketRecorder } from "./websocket-recorder.testkit.js";

/**
 * Issue 10's limits: 429 with Retry-After past a client's rate (its user when authenticated, else
 * its address), 413 past the body limits, no CORS headers for a disallowed origin, a socket
 * closed with 1008 past its message rate, security headers on pages. Rates are set so slow that
 * no token comes back while a test runs: nothing here depends on timing.
 */
const SLOW = 0.001;

async function call(host: Host, method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${host.url()}${path}`, { method, ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

describe("request rate per client address (AUTH=none)", () => {
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost({ STORAGE: "memory", WORKER: "off", RATE_LIMIT_RPS: SLOW, RATE_LIMIT_BURST: 3, CONVERT_RATE_LIMIT_RPS: SLOW, CONVERT_RATE_LIMIT_BURST: 1 });
  });
  afterAll(() => host?.close());

  it("answers 429 with Retry-After past the burst, in each API's error shape, never on the probes", async () => {
    for (let i = 0; i < 3; i++) expect((await call(host, "GET", "/api/jobs")).status).toBe(200);
    const refused = await call(host, "GET", "/api/jobs");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ detail: "Too many requests" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const spatial = await call(host, "GET", "/notebooks");
    expect(spatial.status).toBe(429);
    expect(spatial.body).toEqual({ error: "Too many requests" });
    for (let i = 0; i < 10; i++) expect((await call(host, "GET", "/health")).status).toBe(200);
  });

  it("counts /convert apart, with its own stricter burst", async () => {
    expect((await call(host, "POST", "/convert/x")).status).toBe(400);
    const refused = await call(host, "POST", "/convert/x");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: "Too many requests" });
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("request rate per user (AUTH=apikey)", () => {
  const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost({
      STORAGE: "memory",
      WORKER: "off",
      AUTH: "apikey",
      API_KEYS: [
        { sha256: sha256("key-a"), userId: "a", roles: [] },
        { sha256: sha256("key-b"), userId: "b", roles: [] },
      ],
      RATE_LIMIT_RPS: SLOW,
      RATE_LIMIT_BURST: 2,
    });
  });
  afterAll(() => host?.close());

  it("takes a key in X-API-Key or as a Bearer token, refuses others with 401, and gives each user their own bucket", async () => {
    expect((await call(host, "GET", "/api/jobs", { headers: { "x-api-key": "key-a" } })).status).toBe(200);
    expect((await call(host, "GET", "/api/jobs", { headers: { authorization: "Bearer key-a" } })).status).toBe(200);
    expect((await call(host, "GET", "/api/jobs", { headers: { "x-api-key": "key-a" } })).status).toBe(429);
    // Same address, another user: not slowed by a.
    expect((await call(host, "GET", "/api/jobs", { headers: { "x-api-key": "key-b" } })).status).toBe(200);
    const wrong = await call(host, "GET", "/api/jobs", { headers: { "x-api-key": "key-c" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: "Invalid API key" });
  });
});

describe("body limits", () => {
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost({ STORAGE: "memory", WORKER: "off", MAX_UPLOAD_MB: 1.5, MAX_JSON_MB: 1 });
  });
  afterAll(() => host?.close());

  it("answers 413 to a JSON body past MAX_JSON_MB, read or declared", async () => {
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) });
    const refused = await call(host, "PUT", "/api/v1/notebooks/demo/name", { headers: { "content-type": "application/json" }, body: big });
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({ detail: "Request body too large" });
    const small = await call(host, "PUT", "/api/v1/notebooks/demo/name", { headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x".repeat(900 * 1024) }) });
    expect(small.status).toBe(422);
  });

  it("lets an upload past MAX_JSON_MB through and answers 413 {error: File too large} past MAX_UPLOAD_MB", async () => {
    const upload = (bytes: number) => {
      const form = new FormData();
      form.append("file", new Blob(["x".repeat(bytes)], { type: "application/json" }), "notebook.ipynb");
      return call(host, "POST", "/convert/big", { body: form });
    };
    const underUploadLimit = await upload(1.2 * 1024 * 1024);
    expect(underUploadLimit.status).toBe(400);
    const refused = await upload(2 * 1024 * 1024);
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({ error: "File too large" });
  });
});

describe("CORS, socket message rate and page headers", () => {
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost({ STORAGE: "memory", WORKER: "off", WS_MESSAGES_PER_S: SLOW, WS_MESSAGE_BURST: 3 });
  });
  afterAll(() => host?.close());

  it("gives a disallowed origin no CORS headers and an allowed one its own origin", async () => {
    const foreign = await call(host, "GET", "/api/jobs", { headers: { origin: "https://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("access-control-allow-credentials")).toBeNull();
    const allowed = await call(host, "GET", "/api/jobs", { headers: { origin: "http://localhost:5173" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  it("closes a socket with 1008 past its message rate", async () => {
    const client = await WebSocketRecorder.open(`${host.url().replace("http", "ws")}/api/logs`);
    for (let i = 0; i < 5; i++) client.send({ type: "ping", i });
    expect((await client.closed).code).toBe(1008);
  });

  it("serves the dashboards with a CSP of their own inline code, no framing, nosniff", async () => {
    for (const path of ["/jobs", "/viewer"]) {
      const page = await call(host, "GET", path);
      expect(page.status).toBe(200);
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp, path).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'none'");
      expect(page.headers.get("x-frame-options"), path).toBe("DENY");
      expect(page.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
    const json = await call(host, "GET", "/api/jobs");
    expect(json.headers.get("x-content-type-options")).toBe("nosniff");
    expect(json.headers.get("content-security-policy")).toBeNull();
  });
});

describe("the AUTH=none warning at listen", () => {
  it.each([["127.0.0.1", true], ["localhost", true], ["::1", true], ["0.0.0.0", false], ["::", false], ["10.0.0.5", false]] as const)("isLoopback(%s) → %s", (hostname, loopback) => {
    expect(isLoopback(hostname)).toBe(loopback);
  });

  it("is logged for AUTH=none beyond loopback only", () => {
    const warnings: string[] = [];
    const logger = { warn: (_fields: object, message: string) => void warnings.push(message) } as never;
    warnIfOpenWithoutAuth("none", "127.0.0.1", 8000, logger);
    warnIfOpenWithoutAuth("jwt", "0.0.0.0", 8000, logger);
    warnIfOpenWithoutAuth("apikey", "0.0.0.0", 8000, logger);
    expect(warnings).toEqual([]);
    warnIfOpenWithoutAuth("none", "0.0.0.0", 8000, logger);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/AUTH=none on a non-loopback address/);
  });
});
