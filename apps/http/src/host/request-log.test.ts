import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@parallax/adapters";
import { composeHost } from "../start.js";
import { UNLIMITED_RATES } from "./test-host.testkit.js";

describe("the request log", () => {
  it("names the user a request was authenticated as, and nobody for a refused one", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const key = "key-of-alice";
    const config = loadConfig({}, {
      STORAGE: "memory",
      WORKER: "off",
      ...UNLIMITED_RATES,
      AUTH: "apikey",
      API_KEYS: [{ sha256: createHash("sha256").update(key).digest("hex"), userId: "alice", roles: [] }],
    });
    const host = composeHost(config, { logger: pino({ level: "info" }, sink) });
    await host.listen(0, "127.0.0.1");
    try {
      await fetch(`${host.url()}/api/jobs`, { headers: { "x-api-key": key } });
      await fetch(`${host.url()}/api/jobs?refused`, { headers: { "x-api-key": "wrong" } });
    } finally {
      await host.close();
    }
    const requests = lines.filter((line) => line["msg"] === "request");
    expect(requests.find((line) => line["url"] === "/api/jobs")).toMatchObject({ status: 200, user: "alice" });
    const refused = requests.find((line) => line["url"] === "/api/jobs?refused");
    expect(refused).toMatchObject({ status: 401 });
    expect(refused).not.toHaveProperty("user");
  });
});
