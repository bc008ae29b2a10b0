import { createRequire } from "node:module";
import type { Context, Next } from "koa";
import type * as PromClient from "prom-client";

/**
 * prom-client's registry and the two metric types the host counts requests with, each from its
 * own file: the package's index also loads the default metrics' collectors, and with them
 * @opentelemetry/api (some 80 modules), before the host could answer anything (issue 11).
 */
const require = createRequire(import.meta.url);
const Registry = require("prom-client/lib/registry") as typeof PromClient.Registry;
const Counter = require("prom-client/lib/counter") as typeof PromClient.Counter;
const Histogram = require("prom-client/lib/histogram") as typeof PromClient.Histogram;

/** One registry per host, so several hosts in one process (tests) don't collide. */
export function createMetrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request durations by method and route",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware = async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: ctx.method, route: String(route), status: String(ctx.status) });
      durations.observe({ method: ctx.method, route: String(route) }, seconds);
    }
  };
  let defaults = false;
  /**
   * The process's default metrics (CPU, memory, event-loop lag, GC): the host starts them once it
   * listens, and a scrape that comes first starts them itself. Once per registry.
   */
  const collectDefaults = () => {
    if (defaults) return;
    defaults = true;
    const collectDefaultMetrics = require("prom-client/lib/defaultMetrics") as typeof PromClient.collectDefaultMetrics;
    collectDefaultMetrics({ register: registry });
  };
  return { registry, middleware, collectDefaults };
}
