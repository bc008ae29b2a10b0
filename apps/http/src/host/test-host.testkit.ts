import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Config } from "@parallax/adapters";
import type { Host } from "./host.js";
import { startHost } from "../start.js";

/**
 * Tests drive one host from one address far faster than any client may: request and socket
 * message rates are unlimited unless a test sets them (as the rate-limit tests do).
 */
export const UNLIMITED_RATES = { RATE_LIMIT_RPS: 0, CONVERT_RATE_LIMIT_RPS: 0, WS_MESSAGES_PER_S: 0 } as const satisfies Partial<Config>;

/**
 * Test support: a host in this process on a free loopback port, silent, configured only by
 * `overrides` (never by the environment the tests run in).
 */
export function startTestHost(overrides: Partial<Config> = {}): Promise<Host> {
  return startHost({ env: {}, overrides: { PORT: 0, HOST: "127.0.0.1", LOG_LEVEL: "silent", ...UNLIMITED_RATES, ...overrides } });
}

/**
 * One host for the enclosing suite on a fresh data directory (`<tmp>/<prefix>…`): started
 * before its tests, closed and its directory removed after them. Read `host` and `dataDir`
 * inside tests or later hooks, once the suite has started.
 */
export function suiteHost(prefix: string, overrides: Partial<Config> = {}): { readonly host: Host; readonly dataDir: string } {
  let host: Host | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    host = await startTestHost({ DATA_DIR: dataDir, ...overrides });
  });
  afterAll(async () => {
    await host?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("suiteHost: read before the suite started");
    return value;
  };
  return {
    get host() {
      return started(host);
    },
    get dataDir() {
      return started(dataDir);
    },
  };
}
