import * as Result from "effect/Result";
import { z } from "zod";
import type { Cell, JsonObject, MimeBundle, MultilineString, Notebook, Output } from "./nbformat.types.js";

/**
 * nbformat 2 and 3 kept cells in `worksheets` and used other output names (pyout, pyerr,
 * mime keys such as `png`). They are converted to v4.0 as nbformat's own `convert` does.
 */
const legacyCell = z.looseObject({ cell_type: z.string() });
const legacyNotebook = (major: number) =>
  z.looseObject({
    metadata: major >= 3 ? z.looseObject({}) : z.looseObject({}).optional(),
    nbformat: z.literal(major),
    nbformat_minor: z.number().int().min(0).optional(),
    worksheets: z.array(z.looseObject({ cells: z.array(legacyCell) })),
  });

const legacyMimeKeys: Record<string, string> = {
  text: "text/plain",
  html: "text/html",
  svg: "image/svg+xml",
  png: "image/png",
  jpeg: "image/jpeg",
  latex: "text/latex",
  json: "application/json",
  javascript: "application/javascript",
};

/** The v4.0 notebook, or every reason the document could not be converted. */
export function convertLegacyNotebook(document: Record<string, unknown>): Result.Result<Notebook, readonly string[]> {
  const major = document["nbformat"] as number;
  const parsed = legacyNotebook(major).safeParse(document);
  if (!parsed.success) {
    return Result.fail(
      parsed.error.issues.map((issue) => `nbformat ${major} notebook could not be converted to v4: ${issue.path.join(".") || "notebook"}: ${issue.message}`),
    );
  }
  const metadata: JsonObject = { ...((parsed.data.metadata ?? {}) as JsonObject) };
  delete metadata["name"];
  delete metadata["signature"];
  metadata["orig_nbformat"] = major;
  const cells: Cell[] = [];
  for (const worksheet of parsed.data.worksheets) {
    for (const cell of worksheet.cells) cells.push(convertCell(cell as Record<string, unknown>));
  }
  return Result.succeed({ nbformat: 4, nbformat_minor: 0, metadata, cells });
}

function convertCell(cell: Record<string, unknown>): Cell {
  const metadata = (isRecord(cell["metadata"]) ? { ...cell["metadata"] } : {}) as JsonObject;
  switch (cell["cell_type"]) {
    case "code": {
      if (typeof cell["collapsed"] === "boolean") metadata["collapsed"] = cell["collapsed"];
      const count = cell["prompt_number"];
      return {
        cell_type: "code",
        metadata,
        source: asMultiline(cell["input"]),
        outputs: Array.isArray(cell["outputs"]) ? cell["outputs"].filter(isRecord).map(convertOutput) : [],
        execution_count: typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : null,
      };
    }
    case "heading": {
      const level = typeof cell["level"] === "number" ? Math.max(1, Math.min(6, cell["level"])) : 1;
      const text = joinText(cell["source"]).replace(/\n/g, " ");
      return { cell_type: "markdown", metadata, source: `${"#".repeat(level)} ${text}` };
    }
    case "raw":
      return { cell_type: "raw", metadata, source: asMultiline(cell["source"]) };
    default:
      // markdown, html and anything unknown become markdown, as nbformat does.
      return { cell_type: "markdown", metadata, source: asMultiline(cell["source"]) };
  }
}

function convertOutput(output: Record<string, unknown>): Output {
  const metadata = (isRecord(output["metadata"]) ? output["metadata"] : {}) as JsonObject;
  switch (output["output_type"]) {
    case "stream":
      return { output_type: "stream", name: typeof output["stream"] === "string" ? output["stream"] : "stdout", text: asMultiline(output["text"]) };
    case "pyerr":
    case "error":
      return {
        output_type: "error",
        ename: String(output["ename"] ?? ""),
        evalue: String(output["evalue"] ?? ""),
        traceback: Array.isArray(output["traceback"]) ? output["traceback"].map(String) : [],
      };
    case "pyout":
    case "execute_result": {
      const count = output["prompt_number"];
      return {
        output_type: "execute_result",
        execution_count: typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : null,
        data: legacyData(output),
        metadata,
      };
    }
    default:
      return { output_type: "display_data", data: legacyData(output), metadata };
  }
}

function legacyData(output: Record<string, unknown>): MimeBundle {
  const data: MimeBundle = {};
  for (const [key, value] of Object.entries(output)) {
    const mime = legacyMimeKeys[key] ?? (key.includes("/") ? key : undefined);
    if (!mime) continue;
    if (mime === "application/json") data[mime] = typeof value === "string" ? safeJson(value) : (value as JsonObject);
    else data[mime] = asMultiline(value);
  }
  return data;
}

/** An `application/json` output stored as text by the old format: its object when the text holds one, else the text. */
function safeJson(text: string): JsonObject | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return isRecord(parsed) ? (parsed as JsonObject) : text;
}

function asMultiline(value: unknown): MultilineString {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(String);
  return "";
}

function joinText(value: unknown): string {
  const text = asMultiline(value);
  return typeof text === "string" ? text : text.join("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
