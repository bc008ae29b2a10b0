import type { JsonValue, Notebook } from "./nbformat.types.js";

export const chartMimeTypes = ["image/png", "image/jpeg"] as const;
export type ChartMimeType = (typeof chartMimeTypes)[number];

export interface Chart {
  cell_index: number;
  output_index: number;
  /** Base64 without line breaks. */
  image_data: string;
  image_type: "png" | "jpeg";
}

/** Every image/png and image/jpeg output of code cells, in notebook order. */
export function extractCharts(notebook: Notebook): Chart[] {
  const charts: Chart[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== "code") return;
    cell.outputs.forEach((output, outputIndex) => {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") return;
      for (const mime of chartMimeTypes) {
        const value = output.data[mime];
        if (value === undefined) continue;
        charts.push({ cell_index: cellIndex, output_index: outputIndex, image_data: base64Of(value), image_type: mime === "image/png" ? "png" : "jpeg" });
      }
    });
  });
  return charts;
}

/** `chartKey_NNN`: NNN is the cell index, zero-padded to 3 digits. */
export function chartKey(cellIndex: number): string {
  return `chartKey_${String(cellIndex).padStart(3, "0")}`;
}

/** §A `/convert`: `chartKey_NNN` (cell index, 3 digits) → that cell's images in order. */
export function chartsByCellKey(charts: readonly Chart[]): Record<string, string[]> {
  const keyed: Record<string, string[]> = {};
  for (const chart of charts) {
    (keyed[chartKey(chart.cell_index)] ??= []).push(chart.image_data);
  }
  return keyed;
}

/**
 * nbformat allows base64 split across lines or list items; clients want one bare string (the
 * visionOS app's decoder returns nothing on any whitespace or a `data:` prefix, which some tools
 * write into image outputs).
 */
export function base64Of(value: JsonValue): string {
  const text = Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "";
  const bare = hasWhitespace(text) ? text.replace(/\s+/g, "") : text;
  return bare.startsWith("data:") ? bare.slice(bare.indexOf(",") + 1) : bare;
}

/** Every character `\s` matches (WhiteSpace and LineTerminator). */
const whitespace = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/**
 * `/\s/.test(text)`, as one `includes` per whitespace character: each is a memchr-speed search (and
 * none at all, for a character a one-byte string cannot hold), where the regular expression steps
 * through every character; a notebook's images are most of its bytes, and most have no whitespace.
 */
export function hasWhitespace(text: string): boolean {
  for (const character of whitespace) if (text.includes(character)) return true;
  return false;
}
