import type Router from "@koa/router";
import * as Effect from "effect/Effect";
import type { StoreReadiness } from "@parallax/application";
import type { Logger } from "@parallax/adapters";

/**
 * `GET /ready`: 200 `{status:"ready"}` once the configured stores answer (STORAGE=aws: the table
 * is ACTIVE and the bucket reachable; CREATE_TABLES creates them on the first check), 503
 * `{status:"not ready", detail}` until then. A load balancer's target check; `/health` stays the
 * §A/§D liveness payload.
 */
export function registerReadinessRoute(router: Router, readiness: StoreReadiness | undefined, logger: Logger): void {
  router.get("/ready", async (ctx) => {
    const result = readiness ? await Effect.runPromise(Effect.result(readiness.check)) : undefined;
    if (!result || result._tag === "Success") {
      ctx.body = { status: "ready" };
      return;
    }
    const detail = result.failure.message;
    logger.warn({ detail }, "not ready");
    ctx.status = 503;
    ctx.body = { status: "not ready", detail };
  });
}
