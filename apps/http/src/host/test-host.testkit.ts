import type { Config } from "@parallax/adapters";
import type { Host } from "./host.js";
import { startHost } from "../start.js";

/**
 * Test support: a host in this process on a free loopback port, silent, configured only by
 * `overrides` (never by the environment the tests run in).
 */
export function startTestHost(overrides: Partial<Config> = {}): Promise<Host> {
  return startHost({ env: {}, overrides: { PORT: 0, HOST: "127.0.0.1", LOG_LEVEL: "silent", ...overrides } });
}
