import type { Context } from "koa";
import { HttpError } from "./errors.js";

export const FILE_TOO_LARGE = "File too large";

/** Rejects early on a declared Content-Length over the limit, before reading a byte. */
export function assertDeclaredLength(ctx: Context, limitBytes: number): void {
  const declared = Number(ctx.get("content-length") || "0");
  if (declared > limitBytes) {
    ctx.set("Connection", "close");
    throw new HttpError(413, FILE_TOO_LARGE);
  }
}

/** Reads the whole request body, refusing (413) past `limitBytes` even without Content-Length. */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  assertDeclaredLength(ctx, limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      ctx.set("Connection", "close");
      throw new HttpError(413, FILE_TOO_LARGE);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Parses a JSON body; an empty body is `undefined` so routes can answer their own message. */
export async function readJsonBody(ctx: Context, limitBytes: number, invalidStatus: number): Promise<unknown> {
  const raw = await readRawBody(ctx, limitBytes);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new HttpError(invalidStatus, `Invalid JSON body: ${(error as Error).message}`);
  }
}
