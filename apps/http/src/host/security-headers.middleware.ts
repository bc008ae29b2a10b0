import { createHash } from "node:crypto";
import type { Middleware } from "koa";

/** For a page that sets none: nothing may load or frame it. */
const LOCKED_DOWN_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/**
 * The CSP of a self-contained page: only its own inline `<script>` and `<style>` blocks run
 * (by hash), it talks to this host only (fetch and WebSocket), and no other site may frame it.
 */
export function selfContainedPageCsp(html: string): string {
  const blocks = (tag: string) => [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((match) => hash(match[1]!));
  return [
    "default-src 'none'",
    `script-src ${blocks("script").join(" ") || "'none'"}`,
    `style-src ${blocks("style").join(" ") || "'none'"}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * `X-Content-Type-Options: nosniff` on every answer (a JSON body is never run as a script), and on
 * HTML pages no framing, no referrer, and a CSP: the page's own if it set one, else nothing loads.
 */
export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      ctx.set("X-Content-Type-Options", "nosniff");
      if (/^text\/html\b/.test(ctx.response.get("Content-Type"))) {
        if (!ctx.response.get("Content-Security-Policy")) ctx.set("Content-Security-Policy", LOCKED_DOWN_CSP);
        ctx.set("X-Frame-Options", "DENY");
        ctx.set("Referrer-Policy", "no-referrer");
      }
    }
  };
}
