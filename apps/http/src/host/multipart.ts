import busboy from "busboy";
import type { Context } from "koa";
import { FILE_TOO_LARGE, assertDeclaredLength } from "./body.js";
import { HttpError } from "./errors.js";

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
  return new Promise<MultipartForm>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { fileSize: limitBytes, fieldSize: limitBytes } });
    } catch (error) {
      reject(new HttpError(400, `Invalid multipart body: ${(error as Error).message}`));
      return;
    }
    const form: MultipartForm = { files: [], fields: {} };
    let total = 0;
    let failed = false;
    const fail = (error: HttpError) => {
      if (failed) return;
      failed = true;
      ctx.set("Connection", "close");
      ctx.req.unpipe(parser);
      ctx.req.resume();
      reject(error);
    };
    const invalid = (error: Error) => fail(new HttpError(400, `Invalid multipart body: ${error.message}`));
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > limitBytes) fail(new HttpError(413, FILE_TOO_LARGE));
        else chunks.push(chunk);
      });
      stream.on("limit", () => fail(new HttpError(413, FILE_TOO_LARGE)));
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
