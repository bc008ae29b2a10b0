import { describe, expect, it } from "vitest";
import type { DisplayDataOutput, MimeBundle } from "@parallax/domain/notebook";
import { TABLE_MIME, viewOfOutputs } from "@parallax/domain/reactive";
import { humanBytes, limitOutputs, limitText } from "./output-limits.js";

const display = (data: MimeBundle): DisplayDataOutput => ({ output_type: "display_data", data, metadata: {} });
const plain = (text: string) => display({ "text/plain": text });
const bytes = (text: string) => Buffer.byteLength(text);

describe("output limits", () => {
  it("names sizes in binary units", () => {
    expect([humanBytes(12), humanBytes(1536), humanBytes(10 * 1024 * 1024), humanBytes(300_000_000)]).toEqual(["12 bytes", "1.5 KiB", "10 MiB", "286.1 MiB"]);
  });

  it("keeps the head of long text with a note, within the cap, and leaves short text alone", () => {
    expect(limitText("short", 1024)).toBe("short");
    const limited = limitText("x".repeat(5000), 1024);
    expect(limited).toMatch(/^x+\n\[output truncated: 4.9 KiB > 1 KiB limit\]$/);
    expect(bytes(limited)).toBeLessThanOrEqual(1024);
    expect(limitText(limited, 1024)).toBe(limited);
  });

  it("never cuts a multi-byte character in half", () => {
    const limited = limitText("é€😀".repeat(1000), 1024);
    expect(limited).not.toContain("\uFFFD");
    expect(bytes(limited)).toBeLessThanOrEqual(1024);
    expect(limited).toContain("[output truncated: 8.8 KiB > 1 KiB limit]");
  });

  it("drops an image, HTML or chart over the cap from its bundle, its note in text/plain in its place, and keeps those under it", () => {
    const image = display({ "image/png": "A".repeat(4096), "text/plain": "<Figure size 640x480 with 1 Axes>" });
    const chart = display({ "application/vnd.plotly.v1+json": { data: [{ y: Array.from({ length: 1000 }, (_, i) => i) }] } });
    const small = display({ "text/html": "<b>hi</b>", "text/plain": "hi" });
    const limited = limitOutputs([image, chart, small], 1024);
    expect(limited).toEqual([
      plain("[output not shown: image/png 4 KiB > 1 KiB limit]"),
      plain("[output not shown: application/vnd.plotly.v1+json 3.8 KiB > 1 KiB limit]"),
      small,
    ]);
    expect(limited[2]).toBe(small);
    // The editor's view shows the note where the value would have been.
    expect(viewOfOutputs(limited).outputs.map((output) => output.data)).toEqual([
      "[output not shown: image/png 4 KiB > 1 KiB limit]",
      "[output not shown: application/vnd.plotly.v1+json 3.8 KiB > 1 KiB limit]",
      "<b>hi</b>",
    ]);
  });

  it("keeps the head of a long text/plain, execute_result's count and metadata included", () => {
    const [limited] = limitOutputs([{ output_type: "execute_result", execution_count: 3, data: { "text/plain": ["x".repeat(3000), "y".repeat(3000)] }, metadata: { a: 1 } }], 1024);
    expect(limited).toMatchObject({ output_type: "execute_result", execution_count: 3, metadata: { a: 1 } });
    expect(limited).toMatchObject({ data: { "text/plain": expect.stringMatching(/^x+\n\[output truncated: 5.9 KiB > 1 KiB limit\]$/) } });
  });

  it("keeps the head of an error's message and traceback", () => {
    const [limited] = limitOutputs([{ output_type: "error", ename: "ValueError", evalue: "v".repeat(5000), traceback: ["Traceback:", "  line 1", `ValueError: ${"v".repeat(5000)}`] }], 1024);
    expect(limited).toMatchObject({ output_type: "error", ename: "ValueError", evalue: expect.stringMatching(/^v+\n\[output truncated: 4.9 KiB > 1 KiB limit\]$/) });
    const traceback = limited!.output_type === "error" ? limited!.traceback : [];
    expect(traceback.slice(0, 2)).toEqual(["Traceback:", "  line 1"]);
    expect(bytes(traceback.join("\n"))).toBeLessThanOrEqual(1024);
    expect(limitOutputs([limited!], 1024)).toEqual([limited]);
  });

  it("keeps the leading rows of a table that fit, with the note as a display of its own", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i, "y".repeat(40)]);
    const bundle = { [TABLE_MIME]: { type: "table", columns: ["n", "s"], rows }, "text/plain": "n  s" };
    const [table, note, ...rest] = limitOutputs([display(bundle)], 1024);
    expect(rest).toEqual([]);
    const data = table!.output_type === "display_data" ? table!.data[TABLE_MIME] : undefined;
    const kept = (data as { rows: unknown[] }).rows;
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(rows.slice(0, kept.length));
    expect(data).toMatchObject({ truncated: true });
    expect(bytes(JSON.stringify(data))).toBeLessThanOrEqual(1024);
    expect(note).toEqual(plain(`[output truncated: ${kept.length} of 100 rows shown, 4.7 KiB > 1 KiB limit]`));
    expect(limitOutputs([table!, note!], 1024)).toEqual([table, note]);
    expect(viewOfOutputs([table!, note!]).outputs.map((output) => output.mime_type)).toEqual(["application/json", "text/plain"]);
  });
});
