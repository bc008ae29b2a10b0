import type { DisplayDataOutput, ErrorOutput, ExecuteResultOutput, JsonValue, MimeBundle, Output } from "@parallax/domain/notebook";
import { sourceText } from "@parallax/domain/notebook";
import { TABLE_MIME } from "@parallax/domain/reactive";

/**
 * The size caps of cell outputs (nbformat outputs), applied where outputs enter the host from a
 * kernel (the Python and JavaScript drivers cap their own messages first, with the
 * same notes). An output is broadcast to every client, kept in memory and written into the
 * notebook, so one runaway value must not cost hundreds of megabytes three times over.
 *
 * Each value of a display's mime bundle is capped on its own; its size is the UTF-8 length of
 * a string value, else of its JSON. `text/plain` keeps its head with a note; a table keeps its
 * leading rows, with the note as a display of its own after it (the editor ignores
 * `truncated`); any other type over the cap (images, charts, HTML) is dropped and its note
 * becomes the bundle's `text/plain`, so every front end (and the editor's view) shows the note
 * where the value would have been. An error keeps the head of its message and traceback.
 * Streams have their own cap (characters per cell, `OutputCollector`). A capped output is
 * still a valid nbformat output and fits its cap, so capping again changes nothing.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Characters of stdout and stderr together one cell keeps (the notebook session's own cap). */
export const DEFAULT_MAX_STREAM_CHARS = 1_000_000;

const UNITS: Array<[string, number]> = [
  ["MiB", 1024 * 1024],
  ["KiB", 1024],
];

/** `250 MiB`, `1.5 KiB`, `12 bytes`. */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "over 512 MiB";
  for (const [unit, size] of UNITS) {
    if (bytes < size) continue;
    const value = Math.round((bytes / size) * 10) / 10;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}

export function truncationNote(bytes: number, maxBytes: number): string {
  return `[output truncated: ${humanBytes(bytes)} > ${humanBytes(maxBytes)} limit]`;
}

/** At most `maxBytes` UTF-8 bytes of `text` (the note included), cut on a character boundary. */
export function limitText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short text needs no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const note = `\n${truncationNote(bytes, maxBytes)}`;
  return cutUtf8(text, maxBytes - note.length) + note;
}

export function limitOutputs(outputs: readonly Output[], maxBytes: number): Output[] {
  return outputs.flatMap((output) => limitOutput(output, maxBytes));
}

function limitOutput(output: Output, maxBytes: number): Output[] {
  switch (output.output_type) {
    case "execute_result":
    case "display_data":
      return limitDisplay(output, maxBytes);
    case "error":
      return [limitError(output, maxBytes)];
    default:
      return [output];
  }
}

function limitError(output: ErrorOutput, maxBytes: number): ErrorOutput {
  const traceback = output.traceback.join("\n");
  const [ename, evalue, cut] = [output.ename, output.evalue, traceback].map((text) => limitText(text, maxBytes)) as [string, string, string];
  if (ename === output.ename && evalue === output.evalue && cut === traceback) return output;
  return { ...output, ename, evalue, traceback: cut.split("\n") };
}

function limitDisplay(output: ExecuteResultOutput | DisplayDataOutput, maxBytes: number): Output[] {
  const data: MimeBundle = {};
  const dropped: string[] = [];
  const after: Output[] = [];
  let changed = false;
  for (const [mime, value] of Object.entries(output.data)) {
    if (mime === "text/plain" && (typeof value === "string" || Array.isArray(value))) {
      const text = typeof value === "string" ? value : sourceText(value as string[]);
      const cut = limitText(text, maxBytes);
      data[mime] = cut === text ? value : cut;
      changed ||= cut !== text;
      continue;
    }
    const bytes = typeof value === "string" ? stringBytes(value, maxBytes) : jsonBytes(value);
    if (bytes <= maxBytes) {
      data[mime] = value;
      continue;
    }
    changed = true;
    const kept = isTable(value) ? leadingRows(value, maxBytes) : [];
    if (isTable(value) && kept.length > 0) {
      data[mime] = { ...value, rows: kept, truncated: true };
      after.push(display(`[output truncated: ${kept.length} of ${value.rows.length} rows shown, ${humanBytes(bytes)} > ${humanBytes(maxBytes)} limit]`));
    } else {
      dropped.push(`[output not shown: ${mime} ${humanBytes(bytes)} > ${humanBytes(maxBytes)} limit]`);
    }
  }
  if (dropped.length > 0) data["text/plain"] = dropped.join("\n");
  const metadata = jsonBytes(output.metadata) <= maxBytes ? output.metadata : {};
  if (!changed && metadata === output.metadata) return [output];
  return [{ ...output, data, metadata }, ...after];
}

function display(text: string): DisplayDataOutput {
  return { output_type: "display_data", data: { "text/plain": text }, metadata: {} };
}

/** A string's UTF-8 length, measured only when it could be over `maxBytes`. */
function stringBytes(text: string, maxBytes: number): number {
  return text.length * 3 <= maxBytes ? text.length : Buffer.byteLength(text);
}

type Table = { type: "table"; rows: JsonValue[][] } & Record<string, JsonValue>;

function isTable(data: JsonValue): data is Table {
  return typeof data === "object" && data !== null && !Array.isArray(data) && data["type"] === "table" && Array.isArray(data["rows"]);
}

/** As many rows from the top as fit in `maxBytes` together with the table's other fields. */
function leadingRows(table: Table, maxBytes: number): JsonValue[][] {
  let used = jsonBytes({ ...table, rows: [], truncated: true });
  const kept: JsonValue[][] = [];
  for (const row of table.rows) {
    used += jsonBytes(row) + 1;
    if (used > maxBytes) break;
    kept.push(row);
  }
  return kept;
}

/** A value too large for one JavaScript string (V8 caps them near 512 MiB) is infinitely large here. */
function jsonBytes(value: JsonValue): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  return Buffer.from(text.slice(0, maxBytes)).subarray(0, maxBytes).toString("utf8").replace(/\uFFFD$/, "");
}
