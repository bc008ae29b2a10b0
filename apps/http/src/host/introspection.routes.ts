import type Router from "@koa/router";
import type { createMetrics } from "./metrics.js";
import { openApiDocument, type OpenAPIRegistry } from "./openapi.js";

/** The host's own routes, beside the capabilities': Prometheus metrics and the OpenAPI document the route schemas make. */
export function registerIntrospectionRoutes(router: Router, metrics: ReturnType<typeof createMetrics>, registry: OpenAPIRegistry): void {
  router.get("/metrics", async (ctx) => {
    metrics.collectDefaults();
    ctx.set("Content-Type", metrics.registry.contentType);
    ctx.body = await metrics.registry.metrics();
  });
  router.get("/openapi.json", (ctx) => {
    ctx.body = openApiDocument(registry);
  });
}
