import type { Context } from "koa";
import type { Config } from "@parallax/adapters";
import { jsonDepthExceeds } from "@parallax/domain";
import { HttpError } from "koa";

export const FILE_TOO_LARGE = "File too large";
export const JSON_TOO_LARGE = "Request body too large";

/** What one request body may cost: its size (an upload, a JSON document), and for JSON how deep it nests. */
export interface BodyLimits {
  readonly bytes: number;
  readonly jsonBytes: number;
  readonly jsonDepth: number;
}

export function bodyLimits(config: Config): BodyLimits {
  return { bytes: config.MAX_UPLOAD_MB * 1024 * 1024, jsonBytes: config.MAX_JSON_MB * 1024 * 1024, jsonDepth: config.MAX_JSON_DEPTH };
}

/** Rejects early on a declared Content-Length over the limit, before reading a byte. */
export function assertDeclaredLength(ctx: Context, limitBytes: number, message = FILE_TOO_LARGE): void {
  const declared = Number(ctx.get("content-length") || "0");
  if (declared > limitBytes) {
    ctx.set("Connection", "close");
    ctx.throw(413, message);
  }
}

/**
 * A body that is there and says it is not JSON is refused (415): browsers send `text/plain`
 * and form types cross-site without a preflight, so accepting them would let any page post
 * here. No body, or a body with no Content-Type (never a browser's), is let through.
 */
export function assertJsonContentType(ctx: Context): void {
  if (ctx.get("content-type") === "") return;
  if (ctx.request.is("json", "+json") === false) {
    ctx.set("Connection", "close");
    ctx.throw(415, "Unsupported content type: send application/json");
  }
}

/** Reads the whole request body, refusing (413) past `limitBytes` even without Content-Length. */
export async function readRawBody(ctx: Context, limitBytes: number, tooLarge = FILE_TOO_LARGE): Promise<Buffer> {
  assertDeclaredLength(ctx, limitBytes, tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) {
        ctx.set("Connection", "close");
        ctx.throw(413, tooLarge);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // The request stream only fails when the client went away or broke the framing mid-body.
    ctx.throw(400, "Request body incomplete");
  }
  return Buffer.concat(chunks, size);
}

/** Parses a JSON body; an empty body is `undefined` so routes can answer their own message. */
export async function readJsonBody(ctx: Context, limits: BodyLimits, invalidStatus: number): Promise<unknown> {
  const raw = await readRawBody(ctx, limits.jsonBytes, JSON_TOO_LARGE);
  if (raw.length === 0) return undefined;
  const text = raw.toString("utf8");
  // Refused before parsing: validation and serialisation recurse, and a deep enough document overflows the stack.
  if (jsonDepthExceeds(text, limits.jsonDepth)) ctx.throw(invalidStatus, `Invalid JSON body: nested deeper than ${limits.jsonDepth} levels`);
  try {
    return JSON.parse(text);
  } catch (error) {
    ctx.throw(invalidStatus, `Invalid JSON body: ${(error as Error).message}`);
  }
}
