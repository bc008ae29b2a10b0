import { loadConfig } from "@parallax/adapters";
import { composeHost } from "../../start.js";
import type { DeclaredRoutes } from "../host.js";

/**
 * Test support: the routes a host of every capability declares, read from a host that is
 * built but never listens. A route added to any module is fuzzed without touching the suite.
 */
export async function declaredRoutes(): Promise<DeclaredRoutes> {
  const config = loadConfig({}, { STORAGE: "memory", LOG_LEVEL: "silent", WORKER: "off" });
  const host = composeHost(config);
  try {
    return host.routes();
  } finally {
    await host.close();
  }
}
