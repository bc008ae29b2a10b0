import type Koa from "koa";
import type { Middleware } from "koa";
import type { Logger } from "@parallax/adapters";
import { errorBody, errorShapeForPath, toHttpFailure } from "./errors.js";

/**
 * Turns whatever a route threw into the error shape of its API (§A `{error}`, §B–§D
 * `{detail}`), and gives Koa's bare 404/405 the same shapes; a failure the client may retry
 * (a 503 of `retryAfterSByTag`) says when in `Retry-After`. Anything unmapped is a 500
 * whose cause goes to the log, never to the client.
 */
export function errorMapping(): Middleware {
  return async (ctx, next) => {
    const shape = errorShapeForPath(ctx.path);
    try {
      await next();
    } catch (error) {
      const failure = toHttpFailure(error);
      if (failure) {
        ctx.status = failure.status;
        if (failure.retryAfterS !== undefined) ctx.set("Retry-After", String(failure.retryAfterS));
        ctx.body = errorBody(shape, failure.message, failure.details);
        return;
      }
      (ctx.state["log"] as Logger).error({ err: error }, "unhandled error");
      ctx.status = 500;
      ctx.body = errorBody(shape, "Internal server error");
      return;
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = shape === "error" ? { error: "Endpoint not found" } : { detail: "Not Found" };
    } else if (ctx.status === 405 && ctx.body === undefined) {
      ctx.status = 405;
      ctx.body = errorBody(shape, "Method not allowed");
    }
  };
}

/**
 * Errors Koa reports outside any route (a client that reset mid-response, a body the HTTP
 * parser refused) go to the log instead of Koa's default print to stderr: a client's fault at
 * debug, anything else as an error.
 */
export function logUnroutedErrors(app: Koa, logger: Logger): void {
  app.on("error", (error: Error & { status?: number; code?: string; expose?: boolean }) => {
    const clientFault = error.expose === true || (error.status !== undefined && error.status < 500) || /^(ECONNRESET|EPIPE|HPE_)/.test(error.code ?? "");
    if (clientFault) logger.debug({ err: error }, "request ended by the client");
    else logger.error({ err: error }, "unrouted error");
  });
}
