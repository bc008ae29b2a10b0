import type { Middleware } from "koa";
import type { Config } from "@parallax/adapters";
import type { Principal } from "@parallax/application";
import type { PublicPaths } from "./auth/authentication.middleware.js";
import { TokenBuckets } from "./token-bucket.js";

/** `POST /convert/<name>` may run notebooks: it has its own, stricter buckets. */
const isConvert = (method: string, path: string) => method === "POST" && path.startsWith("/convert/");

/**
 * Per-client request rate (token buckets, `RATE_LIMIT_*`, `CONVERT_RATE_LIMIT_*`): past it a 429
 * in the path's error shape with `Retry-After`. A client is its user when requests are
 * authenticated, else its address (with AUTH=none everyone is `local`, so the user says nothing).
 * Public paths (probes, metrics) are not counted.
 */
export function rateLimit(config: Config, publicPaths: PublicPaths): Middleware {
  const general = new TokenBuckets({ perSecond: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST }, config.RATE_LIMIT_MAX_CLIENTS);
  const convert = new TokenBuckets({ perSecond: config.CONVERT_RATE_LIMIT_RPS, burst: config.CONVERT_RATE_LIMIT_BURST }, config.RATE_LIMIT_MAX_CLIENTS);
  const byUser = config.AUTH !== "none";
  return async (ctx, next) => {
    const buckets = isConvert(ctx.method, ctx.path) ? convert : general;
    // Unlimited (rate 0): nothing to count, so no client to tell apart either.
    if (!buckets.limited || ctx.method === "OPTIONS" || publicPaths.includes(ctx.path)) return next();
    const principal = ctx.state["principal"] as Principal | undefined;
    const client = byUser && principal ? `user:${principal.userId}` : `address:${ctx.ip}`;
    const waitS = buckets.take(client);
    if (waitS > 0) {
      ctx.set("Retry-After", String(waitS));
      ctx.throw(429, "Too many requests");
    }
    return next();
  };
}
