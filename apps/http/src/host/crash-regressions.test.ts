import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawExchange } from "./raw-http.testkit.js";
import { spawnHost, type HostProcess } from "./host-process.testkit.js";

/**
 * Issue 14's crashes, each of which ended the host process. They run against a real process:
 * in-process, an uncaught exception would take the test runner down instead of failing a test.
 */
const upgrade = (path: string, upgradeTo: string, port: number) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: ${upgradeTo}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

const truncatedMultipart = (field: string, port: number, path: string) => {
  const body = `--XB\r\nContent-Disposition: form-data; name="${field}"; filename="a.ipynb"\r\nContent-Type: application/json\r\n\r\n{"nbformat": 4`;
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=XB\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
};

describe("crash regressions (issue 14): the host answers and lives on", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-crashes-"));
  let host: HostProcess;

  beforeAll(async () => {
    host = await spawnHost({ DATA_DIR: dataDir, STORAGE: "file" });
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const healthy = async () => {
    expect(host.child.exitCode, host.output()).toBeNull();
    expect((await fetch(`${host.url}/health`)).status).toBe(200);
  };

  it.each([
    ["/api/v1/ws/notebooks/%E0%A4%A", "websocket"],
    ["/api/v1/ws/notebooks/%E0%A4%A", "h2c"],
    ["/api/jobs/%zz/logs", "websocket"],
    ["/api/jobs/%zz/logs", "foo"],
  ])("a WebSocket upgrade to %s (Upgrade: %s) gets 400 and the socket is closed", async (path, upgradeTo) => {
    const answer = await rawExchange(host.port, upgrade(path, upgradeTo, host.port), { end: false });
    expect(answer.status).toBe(400);
    expect(answer.hung).toBe(false);
    await healthy();
  });

  it("any Upgrade value on a path with no socket gets 404", async () => {
    for (const upgradeTo of ["websocket", "h2c", "foo"]) {
      expect((await rawExchange(host.port, upgrade("/nowhere/%zz", upgradeTo, host.port), { end: false })).status).toBe(404);
    }
    await healthy();
  });

  it("a client that resets in the middle of an upgrade does not take the host down", async () => {
    for (let i = 0; i < 20; i++) await rawExchange(host.port, upgrade("/api/logs", "websocket", host.port), { reset: true });
    await healthy();
  });

  it.each([
    ["file", "/convert/x"],
    ["notebook", "/process_notebook"],
  ])("a multipart body cut off inside the %s part of %s gets 400", async (field, path) => {
    const answer = await rawExchange(host.port, truncatedMultipart(field, host.port, path));
    expect(answer.status).toBe(400);
    expect(answer.head).toContain("Invalid multipart body");
    await healthy();
  });

  it("a multipart body whose client resets mid-file does not take the host down", async () => {
    const head = `POST /convert/x HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nContent-Type: multipart/form-data; boundary=XB\r\nContent-Length: 100000\r\n\r\n`;
    const part = `--XB\r\nContent-Disposition: form-data; name="file"; filename="a.ipynb"\r\n\r\n{"nbformat": 4`;
    for (let i = 0; i < 10; i++) await rawExchange(host.port, head + part, { reset: true });
    await healthy();
  });
});
