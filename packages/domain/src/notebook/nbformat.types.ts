/**
 * The nbformat v4 document model (minors 4.0–4.5). Field names follow the JSON on disk,
 * so a parsed notebook is the document itself: nothing is renamed, dropped or reordered.
 */
export type MultilineString = string | string[];
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Mime type → content; `application/*json` values are JSON, every other value is text. */
export type MimeBundle = { [mimeType: string]: JsonValue };

export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: JsonObject;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: JsonObject;
}
export interface StreamOutput {
  output_type: "stream";
  name: string;
  text: MultilineString;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = ExecuteResultOutput | DisplayDataOutput | StreamOutput | ErrorOutput;

export type CellMetadata = JsonObject;

interface CellBase {
  /** Required from 4.5; Parallax always stores 4.5, so stored cells always have one. */
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
}
export interface CodeCell extends CellBase {
  cell_type: "code";
  outputs: Output[];
  execution_count: number | null;
}
export interface MarkdownCell extends CellBase {
  cell_type: "markdown";
  attachments?: { [name: string]: MimeBundle };
}
export interface RawCell extends CellBase {
  cell_type: "raw";
  attachments?: { [name: string]: MimeBundle };
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: Cell[];
}

/** The minor Parallax writes. */
export const CURRENT_MINOR = 5;

export function sourceText(source: MultilineString): string {
  return typeof source === "string" ? source : source.join("");
}
