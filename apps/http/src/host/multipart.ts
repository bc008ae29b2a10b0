import busboy from "busboy";
import type { Context } from "koa";
import { FILE_TOO_LARGE, assertDeclaredLength } from "./body.js";

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartForm {
  files: UploadedFile[];
  fields: Record<string, string>;
}

/** Why a body was refused; thrown with `ctx.throw` once the streams are quiet. */
interface Refusal {
  status: 400 | 413;
  message: string;
}

/**
 * Parses multipart/form-data with busboy, buffering files up to `limitBytes` in total.
 * Every stream involved (request, parser, each file) has an `error` listener: busboy emits a
 * cut-off body ("Unexpected end of form") on the open file stream too, and an unheard stream
 * error is an uncaught exception that ends the process. A broken body is a 400.
 */
export async function readMultipart(ctx: Context, limitBytes: number): Promise<MultipartForm> {
  assertDeclaredLength(ctx, limitBytes);
  const type = ctx.get("content-type");
  if (!type.toLowerCase().startsWith("multipart/form-data")) return { files: [], fields: {} };
  const outcome = await parseMultipart(ctx, limitBytes);
  if ("status" in outcome) ctx.throw(outcome.status, outcome.message);
  return outcome;
}

function parseMultipart(ctx: Context, limitBytes: number): Promise<MultipartForm | Refusal> {
  const tooLarge: Refusal = { status: 413, message: FILE_TOO_LARGE };
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { fileSize: limitBytes, fieldSize: limitBytes } });
    } catch (error) {
      resolve({ status: 400, message: `Invalid multipart body: ${(error as Error).message}` });
      return;
    }
    const form: MultipartForm = { files: [], fields: {} };
    let total = 0;
    let failed = false;
    const fail = (refusal: Refusal) => {
      if (failed) return;
      failed = true;
      ctx.set("Connection", "close");
      ctx.req.unpipe(parser);
      ctx.req.resume();
      resolve(refusal);
    };
    const invalid = (error: Error) => fail({ status: 400, message: `Invalid multipart body: ${error.message}` });
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > limitBytes) fail(tooLarge);
        else chunks.push(chunk);
      });
      stream.on("limit", () => fail(tooLarge));
      stream.on("error", invalid);
      stream.on("close", () => {
        form.files.push({ field, filename: info.filename ?? "", contentType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    parser.on("field", (name, value) => {
      form.fields[name] = value;
    });
    parser.on("error", invalid);
    ctx.req.on("error", invalid);
    parser.on("close", () => {
      if (!failed) resolve(form);
    });
    ctx.req.pipe(parser);
  });
}
