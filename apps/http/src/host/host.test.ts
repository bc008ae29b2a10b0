import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "@parallax/adapters";
import { composeHost } from "../start.js";
import type { HostModule } from "./host-module.js";
import { allHostModules } from "./modules.js";

const testConfig = () => loadConfig({}, { PORT: 0, HOST: "127.0.0.1", STORAGE: "memory", LOG_LEVEL: "silent", SHUTDOWN_GRACE_MS: 5_000 });

/** A module with one slow route, to watch shutdown let an in-flight request finish. */
const slowModule: HostModule = {
  name: "slow",
  register({ routes }) {
    routes.add({
      method: "get",
      path: "/api/slow",
      summary: "answers after ?ms milliseconds",
      query: z.object({ ms: z.coerce.number().int().min(0).max(5_000) }),
      handler: async ({ query }) => {
        await new Promise((resolve) => setTimeout(resolve, query.ms));
        return { done: true };
      },
    });
  },
};

describe("host skeleton", () => {
  it("serves /metrics with request counts by route and /openapi.json from the route schemas", async () => {
    const host = composeHost(testConfig(), { modules: (container) => [...allHostModules(container), slowModule] });
    await host.listen(0, "127.0.0.1");
    try {
      await fetch(`${host.url()}/health`);
      await fetch(`${host.url()}/health`);
      const metrics = await (await fetch(`${host.url()}/metrics`)).text();
      expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} 2/);
      expect(metrics).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health"\}/);
      const openapi = (await (await fetch(`${host.url()}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(openapi.openapi).toBe("3.0.3");
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/health", "/notebooks/{name}/cells/{index}/spatial", "/api/slow"]));
    } finally {
      await host.close();
    }
  });

  it("echoes or assigns a request id", async () => {
    const host = composeHost(testConfig());
    await host.listen(0, "127.0.0.1");
    try {
      expect((await fetch(`${host.url()}/health`, { headers: { "x-request-id": "abc-123" } })).headers.get("x-request-id")).toBe("abc-123");
      expect((await fetch(`${host.url()}/health`)).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await host.close();
    }
  });

  it("invalid query input on /api routes answers 422 {detail}", async () => {
    const host = composeHost(testConfig(), { modules: () => [slowModule] });
    await host.listen(0, "127.0.0.1");
    try {
      const response = await fetch(`${host.url()}/api/slow?ms=never`);
      expect(response.status).toBe(422);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/ms/);
      const unknown = await fetch(`${host.url()}/api/nothing`);
      expect(await unknown.json()).toEqual({ detail: "Not Found" });
    } finally {
      await host.close();
    }
  });

  it("close() stops accepting but lets an in-flight request finish", async () => {
    const host = composeHost(testConfig(), { modules: () => [slowModule] });
    await host.listen(0, "127.0.0.1");
    const url = host.url();
    const inFlight = fetch(`${url}/api/slow?ms=400`).then((response) => response.json());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = host.close();
    expect(await inFlight).toEqual({ done: true });
    await closed;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it("a bad configuration stops the host with a message naming the variable", () => {
    const result = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(process.cwd(), "apps/http/src/main.ts")], {
      env: { ...process.env, PORT: "eighty", STORAGE: "floppy" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Invalid configuration/);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/STORAGE/);
  });

  it("a port already in use stops the host with one line naming the port and PORT, exit code 1", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(process.cwd(), "apps/http/src/main.ts")], {
        env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", STORAGE: "memory", WORKER: "off", LOG_LEVEL: "silent" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(String(port));
      expect(lines[0]).toMatch(/\bPORT\b/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
