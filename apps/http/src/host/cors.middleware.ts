import cors from "@koa/cors";
import type { Middleware } from "koa";

/**
 * Which browser origins may use this host. Credentials (the editor's `Authorization`) are
 * allowed, so the answer is always the one requesting origin, never `*`.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowed: readonly string[]) {
    this.allowed = new Set(allowed);
  }

  /** For CORS: only the configured origins (a page on the host's own origin needs no CORS). */
  allows(origin: string): boolean {
    return this.allowed.has(origin);
  }

  /**
   * For WebSocket upgrades, which browsers never guard with CORS: a client that sends no
   * Origin (not a browser) and a page of the host itself (same host:port as the `Host`
   * header, as the jobs dashboard and the old tracking client are) are let in too.
   */
  allowsSocket(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.allows(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }
}

/** CORS headers for allowed origins (preflight answered on every path); none at all for others. */
export function corsMiddleware(policy: OriginPolicy): Middleware {
  return cors({
    origin: (ctx) => {
      const origin = ctx.get("Origin");
      return policy.allows(origin) ? origin : "";
    },
    credentials: true,
    allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id"],
    maxAge: 600,
  });
}
