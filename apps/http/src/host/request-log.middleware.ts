import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "@parallax/adapters";
import type { Principal } from "@parallax/application";

/** A client's request id is echoed in a header and written to every log line: short, printable ASCII only. */
const clientRequestId = /^[\x21-\x7e]{1,200}$/;

/**
 * One log line per request, tagged with a request id (the client's `x-request-id`, else a new
 * one), which is echoed back and handed to later middlewares as `ctx.state.log`, and with the
 * user the request was authenticated as, if it was.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const sent = ctx.get("x-request-id");
    const requestId = clientRequestId.test(sent) ? sent : randomUUID();
    const log = logger.child({ reqId: requestId });
    ctx.state["log"] = log;
    ctx.set("x-request-id", requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const user = (ctx.state["principal"] as Principal | undefined)?.userId;
      log.info({ method: ctx.method, url: ctx.url, status: ctx.status, ms: Math.round(performance.now() - started), ...(user === undefined ? {} : { user }) }, "request");
    }
  };
}
