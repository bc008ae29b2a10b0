import { z } from "zod";
import type { JsonValue } from "@parallax/domain/notebook";
import type { CellOutput } from "@parallax/domain/reactive";

/**
 * The size caps of cell outputs, applied where outputs enter the host from a kernel (the
 * Python driver and the JavaScript worker cap their own messages first, with the same notes).
 * An output is broadcast to every client, kept in memory and written into the notebook, so
 * one runaway value must not cost hundreds of megabytes three times over.
 *
 * Size is the UTF-8 length of a string value, else of its JSON. Text keeps its head with a
 * note; a table keeps its leading rows with a note beside it (the editor ignores `truncated`);
 * anything else (images, charts, HTML) is replaced by a note. A capped output fits its cap,
 * so capping again changes nothing.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Characters of stdout and stderr together one cell keeps (the notebook session's own cap). */
export const DEFAULT_MAX_STREAM_CHARS = 1_000_000;

/** An output as a kernel (the Python driver, the JavaScript worker) sends it. */
export const cellOutputSchema = z.object({ mime_type: z.string(), data: z.json(), metadata: z.record(z.string(), z.json()).default({}) });

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

export function limitOutputs(outputs: readonly CellOutput[], maxBytes: number): CellOutput[] {
  return outputs.flatMap((output) => limitOutput(output, maxBytes));
}

function limitOutput(output: CellOutput, maxBytes: number): CellOutput[] {
  const { data, mime_type } = output;
  if (typeof data === "string") {
    if (mime_type === "text/plain") return [{ ...output, data: limitText(data, maxBytes) }];
    if (data.length * 3 <= maxBytes) return [output];
    const bytes = Buffer.byteLength(data);
    return bytes <= maxBytes ? [output] : [notShown(mime_type, bytes, maxBytes)];
  }
  const bytes = jsonBytes(data);
  if (bytes <= maxBytes) return [output];
  if (isTable(data)) {
    const kept = leadingRows(data, maxBytes);
    if (kept.length > 0) {
      const note = `[output truncated: ${kept.length} of ${data.rows.length} rows shown, ${humanBytes(bytes)} > ${humanBytes(maxBytes)} limit]`;
      return [{ ...output, data: { ...data, rows: kept, truncated: true } }, plain(note)];
    }
  }
  return [notShown(mime_type, bytes, maxBytes)];
}

function notShown(mime: string, bytes: number, maxBytes: number): CellOutput {
  return plain(`[output not shown: ${mime} ${humanBytes(bytes)} > ${humanBytes(maxBytes)} limit]`);
}

function plain(text: string): CellOutput {
  return { mime_type: "text/plain", data: text, metadata: {} };
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
