import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Host } from "./host.js";
import { startTestHost } from "./test-host.testkit.js";

/** CORS and the origin check of WebSocket upgrades (issue 14, CONTRACTS.md §B). */
const EDITOR = "http://localhost:5173";
const STRANGER = "http://evil.example";

let host: Host;
beforeAll(async () => {
  host = await startTestHost({ STORAGE: "memory", WORKER: "off", ALLOWED_ORIGINS: ["http://localhost:3000", EDITOR] });
});
afterAll(() => host.close());

const preflight = (path: string, origin: string) =>
  fetch(`${host.url()}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "authorization, content-type" },
  });

describe("CORS", () => {
  it.each(["/api/v1/notebooks/", "/api/v1/notebooks/abc/cells/def", "/notebooks/x/cells/spatial", "/api/jobs", "/health"])(
    "a preflight from an allowed origin is answered on %s",
    async (path) => {
      const response = await preflight(path, EDITOR);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(EDITOR);
      expect(response.headers.get("access-control-allow-credentials")).toBe("true");
      expect(response.headers.get("vary")).toMatch(/Origin/);
      expect(response.headers.get("access-control-allow-methods")).toMatch(/PUT/);
      expect(response.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
      expect(response.headers.get("access-control-allow-headers")).toMatch(/Content-Type/);
    },
  );

  it("an allowed origin's request gets its own origin back, never *", async () => {
    const response = await fetch(`${host.url()}/api/v1/notebooks/`, { headers: { origin: EDITOR } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(EDITOR);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("a disallowed origin gets no CORS headers, on preflight or request", async () => {
    for (const response of [await preflight("/api/v1/notebooks/", STRANGER), await fetch(`${host.url()}/api/v1/notebooks/`, { headers: { origin: STRANGER } })]) {
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });
});

describe("JSON endpoints refuse form content types", () => {
  it.each([
    ["POST", "/api/annotations", '{"annotations":[]}'],
    ["POST", "/api/jobs", '{"pipeline":"x"}'],
    ["PUT", "/api/v1/notebooks/x/name", '{"name":"n"}'],
  ])("%s %s with a JSON body sent as text/plain is 415", async (method, path, body) => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await fetch(`${host.url()}${path}`, { method, headers: { "content-type": type }, body });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/application\/json/);
    }
  });

  it("JSON types are accepted, and so is a body without a Content-Type", async () => {
    for (const headers of [{ "content-type": "application/json" }, { "content-type": "application/merge-patch+json; charset=utf-8" }, {}] as Array<Record<string, string>>) {
      // Bytes, not a string: fetch would label a string text/plain.
      const response = await fetch(`${host.url()}/api/annotations`, { method: "POST", headers, body: new TextEncoder().encode('{"annotations":[]}') });
      expect(response.status).toBe(200);
    }
  });

  it("POST /api/v1/notebooks/ with no body and no Content-Type still creates a notebook (§B)", async () => {
    const response = await fetch(`${host.url()}/api/v1/notebooks/`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ notebook_id: expect.any(String) });
  });
});

describe("WebSocket origins", () => {
  /** The handshake's HTTP status: 101 when the socket opened. */
  const handshake = (path: string, origin?: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(`${host.url().replace("http", "ws")}${path}`, origin === undefined ? {} : { origin });
      socket.once("open", () => {
        socket.terminate();
        resolve(101);
      });
      socket.once("unexpected-response", (_request, response) => {
        socket.terminate();
        resolve(response.statusCode ?? 0);
      });
      socket.on("error", () => undefined);
    });

  it.each(["/api/logs", "/api/v1/ws/notebooks/demo"])("on %s: a foreign origin is refused with 403", async (path) => {
    expect(await handshake(path, STRANGER)).toBe(403);
    expect(await handshake(path, "null")).toBe(403);
  });

  it.each(["/api/logs", "/api/v1/ws/notebooks/demo"])("on %s: no Origin, the host's own origin and an allowed origin are let in", async (path) => {
    expect(await handshake(path)).toBe(101);
    expect(await handshake(path, host.url())).toBe(101);
    expect(await handshake(path, EDITOR)).toBe(101);
  });
});
