/**
 * A code cell's results as Jupyter stores them (nbformat outputs), and the §B editor's view of
 * them. The nbformat outputs are the source of truth: a cell that does not run keeps them as they
 * were; the editor's `{stdout, outputs, error}` is computed from them for display and never
 * written back. Not here: running cells (kernels) and writing documents (reactive-nbformat.ts).
 */
import type { ErrorOutput, ExecuteResultOutput, JsonObject, JsonValue, MimeBundle, Output } from "../notebook/nbformat.types.js";
import { sourceText } from "../notebook/nbformat.types.js";
import type { CellOutput } from "./reactive-cell.js";

/**
 * Tables (data frames, SQL results) for §B's editor, which shows them as `application/json`
 * `{type: "table"}`. A vendor type in the file because JupyterLab would prefer a plain
 * `application/json` over the table's text/html and show a JSON tree.
 */
export const TABLE_MIME = "application/vnd.parallax.table+json";

/** What one cell may keep of its streams; a runaway print loop must not fill memory, sockets and the store. */
export const MAX_STREAM_CHARS = 1_000_000;

/**
 * Outputs in the order a cell produced them. Stream chunks merge into the previous output when it
 * is the same stream, as Jupyter's front ends store them, so stdout, a figure, then stdout again
 * stay three outputs. Entries are replaced, never changed in place, so a copy of `outputs` is a
 * stable snapshot while the cell still runs.
 */
export class OutputCollector {
  readonly outputs: Output[] = [];
  private streamed = 0;
  /** Set once the cap cut the streams: the note went out, nothing more is kept. */
  private cut = false;

  constructor(private readonly maxStreamChars = MAX_STREAM_CHARS) {}

  /** Re-collects finished outputs: streams merged and capped. */
  static of(outputs: readonly Output[], maxStreamChars = MAX_STREAM_CHARS): Output[] {
    const collector = new OutputCollector(maxStreamChars);
    for (const output of outputs) collector.add(output);
    return collector.outputs;
  }

  /** Adds a stream chunk; returns the part kept (with a note where the cap cut it, nothing after). */
  stream(name: string, text: string): string {
    if (this.cut || text === "") return "";
    const room = this.maxStreamChars - this.streamed;
    // The note goes out even when the text so far ended exactly at the cap.
    this.cut = text.length > room;
    const kept = this.cut ? `${text.slice(0, room)}\n[output truncated at ${this.maxStreamChars} characters]\n` : text;
    this.streamed += kept.length;
    const last = this.outputs.length - 1;
    const previous = this.outputs[last];
    if (previous?.output_type === "stream" && previous.name === name) {
      this.outputs[last] = { ...previous, text: sourceText(previous.text) + kept };
    } else {
      this.outputs.push({ output_type: "stream", name, text: kept });
    }
    return kept;
  }

  add(output: Output): void {
    if (output.output_type === "stream") this.stream(output.name, sourceText(output.text));
    else this.outputs.push(output);
  }
}

/** `Name: message` → an nbformat error output; the traceback is the message itself unless one is given. */
export function errorOutput(message: string, traceback?: readonly string[]): ErrorOutput {
  const cut = message.indexOf(": ");
  return {
    output_type: "error",
    ename: cut < 0 ? message : message.slice(0, cut),
    evalue: cut < 0 ? "" : message.slice(cut + 2),
    traceback: traceback ? [...traceback] : [message],
  };
}

export function errorMessage(output: ErrorOutput): string {
  return output.evalue ? `${output.ename}: ${output.evalue}` : output.ename;
}

/** The value of the last expression; the session numbers it (the kernel does not know the count). */
export function executeResult(data: MimeBundle, metadata: JsonObject = {}): ExecuteResultOutput {
  return { output_type: "execute_result", execution_count: null, data, metadata };
}

/** IPython colours its tracebacks; the editor shows plain text. */
const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");

/** The traceback as text for the editor's stdout; empty when it only repeats the message. */
export function tracebackText(output: ErrorOutput): string {
  const lines = output.traceback.map((line) => line.replace(ANSI, ""));
  if (lines.length === 0 || (lines.length === 1 && lines[0] === errorMessage(output))) return "";
  const text = lines.join("\n");
  return text.endsWith("\n") ? text : `${text}\n`;
}

const text = (value: JsonValue): string => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : JSON.stringify(value));
const base64 = (value: JsonValue) => text(value).replace(/\s+/g, "");
const escapeHtml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The editor renders one output per display, so each bundle shows as its richest type the editor
 * can draw (Jupyter picks one too): showing every type would put `<Figure …>` under each image.
 */
const EDITOR_CHOICES: ReadonlyArray<[mime: string, show: (value: JsonValue) => Pick<CellOutput, "mime_type" | "data">]> = [
  [TABLE_MIME, (value) => ({ mime_type: "application/json", data: value })],
  ["application/vnd.plotly.v1+json", (value) => ({ mime_type: "application/vnd.plotly.v1+json", data: value })],
  ["application/vnd.vegalite.v6+json", (value) => ({ mime_type: "application/vnd.vegalite.v6+json", data: value })],
  ["application/json", (value) => ({ mime_type: "application/json", data: value })],
  ["text/html", (value) => ({ mime_type: "text/html", data: text(value) })],
  ["image/png", (value) => ({ mime_type: "image/png", data: base64(value) })],
  ["image/jpeg", (value) => ({ mime_type: "text/html", data: `<img src="data:image/jpeg;base64,${base64(value)}"/>` })],
  ["image/svg+xml", (value) => ({ mime_type: "text/html", data: text(value) })],
  ["text/plain", (value) => ({ mime_type: "text/plain", data: text(value) })],
  ["text/markdown", (value) => ({ mime_type: "text/plain", data: text(value) })],
];

/** The §B output for one display bundle, or undefined when it has nothing the editor can draw (a widget view). */
export function editorOutput(data: MimeBundle, metadata: JsonObject | undefined): CellOutput | undefined {
  for (const [mime, show] of EDITOR_CHOICES) {
    const value = data[mime];
    if (value !== undefined) return { ...show(value), metadata: metadata ?? {} };
  }
  return undefined;
}

export interface CellResultsView {
  stdout: string;
  outputs: CellOutput[];
  error: string | null;
}

/** The §B outputs of nbformat outputs: one per display the editor can draw, in order (streams and errors are not outputs there). */
export function editorOutputs(outputs: readonly Output[]): CellOutput[] {
  const shown: CellOutput[] = [];
  for (const output of outputs) {
    if (output.output_type !== "execute_result" && output.output_type !== "display_data") continue;
    const one = editorOutput(output.data, output.metadata);
    if (one) shown.push(one);
  }
  return shown;
}

/** §B's `{stdout, outputs, error}` of nbformat outputs: streams (and the traceback) as stdout, one output per display. */
export function viewOfOutputs(outputs: readonly Output[]): CellResultsView {
  let stdout = "";
  let error: string | null = null;
  for (const output of outputs) {
    if (output.output_type === "stream") stdout += sourceText(output.text);
    else if (output.output_type === "error") {
      error = errorMessage(output);
      stdout += tracebackText(output);
    }
  }
  return { stdout, outputs: editorOutputs(outputs), error };
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly JsonValue[])[];
  readonly truncated?: boolean;
  readonly total_rows?: number;
}

/** Rows a table shows as HTML and text; the editor gets them all through the table type. */
const PREVIEW_ROWS = 50;

/** A table as Jupyter users and §B's editor both see it: the table, an HTML table and a text one. */
export function tableBundle(table: Table): MimeBundle {
  const data = { type: "table", columns: [...table.columns], rows: table.rows.map((row) => [...row]), ...(table.truncated ? { truncated: true } : {}), ...(table.total_rows !== undefined ? { total_rows: table.total_rows } : {}) };
  return { [TABLE_MIME]: data, "text/html": tableHtml(table), "text/plain": tableText(table) };
}

const cellText = (value: JsonValue) => (value === null ? "" : typeof value === "string" ? value : JSON.stringify(value));

function moreRows(table: Table): string {
  const shown = Math.min(table.rows.length, PREVIEW_ROWS);
  if (table.total_rows !== undefined && table.total_rows > shown) return `${table.total_rows - shown} more rows`;
  if (table.rows.length > shown) return `${table.rows.length - shown} more rows${table.truncated ? " (result truncated)" : ""}`;
  return table.truncated ? "result truncated" : "";
}

function tableHtml(table: Table): string {
  const head = table.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("");
  const body = table.rows
    .slice(0, PREVIEW_ROWS)
    .map((row) => `<tr>${row.map((value) => `<td>${escapeHtml(cellText(value))}</td>`).join("")}</tr>`)
    .join("");
  const more = moreRows(table);
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more ? `<p>${more}</p>` : ""}`;
}

function tableText(table: Table): string {
  const rows = [table.columns.map(String), ...table.rows.slice(0, PREVIEW_ROWS).map((row) => row.map(cellText))];
  const widths = table.columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const lines = rows.map((row) => row.map((value, i) => value.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
  const more = moreRows(table);
  return [...lines, ...(more ? [`[${more}]`] : [])].join("\n");
}

/** A note display made for a cut table, here or by the host's output caps (`[output truncated: …]`). */
const TRUNCATION_NOTE = /^\[(?:output|table) truncated/;

function isTruncationNote(output: Output | undefined): boolean {
  if (output?.output_type !== "display_data") return false;
  const keys = Object.keys(output.data);
  return keys.length === 1 && keys[0] === "text/plain" && TRUNCATION_NOTE.test(text(output.data["text/plain"]!));
}

function truncatedTable(output: Output): { rows: unknown[]; total_rows?: unknown } | undefined {
  if (output.output_type !== "execute_result" && output.output_type !== "display_data") return undefined;
  const table = output.data[TABLE_MIME];
  if (typeof table !== "object" || table === null || Array.isArray(table) || table["truncated"] !== true || !Array.isArray(table["rows"])) return undefined;
  return { rows: table["rows"], total_rows: table["total_rows"] };
}

/**
 * Every table its kernel cut (a row limit: pandas' and SQL's 1,000) followed by a note display
 * of its own, unless one follows already (the host's byte cap writes its own): §B's editor
 * ignores `truncated`, and a cut table must not pass for the whole result.
 */
export function noteTruncatedTables(outputs: readonly Output[]): Output[] {
  const noted: Output[] = [];
  outputs.forEach((output, i) => {
    noted.push(output);
    const table = truncatedTable(output);
    if (!table || isTruncationNote(outputs[i + 1])) return;
    const total = typeof table.total_rows === "number" ? ` of ${table.total_rows}` : "";
    noted.push({ output_type: "display_data", data: { "text/plain": `[table truncated: first ${table.rows.length}${total} rows shown]` }, metadata: {} });
  });
  return noted;
}
