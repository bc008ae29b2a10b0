import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "@parallax/adapters";
import type { Principal } from "@parallax/application";

/** A client's request id is echoed in a header and written to every log line: short, printable ASCII only. */
const clientRequestId = /^[\x21-\x7e]{1,200}$/;

/**
 * One log line per request, tagged with a request id (the client's `x-request-id`, else a new
 * one), which is echoed back and handed to later middlewares as `ctx.state.log`, and with the
 * user the request was authenticated as, if it was. The request's child logger is made when
 * something logs through it: below `info` (LOG_LEVEL=warn) a request that goes well costs none.
 */
export function requestLog(logger: Logger): Middleware {
  const enabled = () => logger.isLevelEnabled("info");
  return async (ctx, next) => {
    const sent = ctx.get("x-request-id");
    const requestId = clientRequestId.test(sent) ? sent : randomUUID();
    let log: Logger | undefined;
    const requestLogger = () => (log ??= logger.child({ reqId: requestId }));
    Object.defineProperty(ctx.state, "log", { get: requestLogger, enumerable: true, configurable: true });
    ctx.set("x-request-id", requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      if (enabled()) {
        const user = (ctx.state["principal"] as Principal | undefined)?.userId;
        requestLogger().info({ method: ctx.method, url: ctx.url, status: ctx.status, ms: Math.round(performance.now() - started), ...(user === undefined ? {} : { user }) }, "request");
      }
    }
  };
}
