import { describe, expect, it } from "vitest";
import type { CellOutput } from "@parallax/domain/reactive";
import { humanBytes, limitOutputs, limitText } from "./output-limits.js";

const plain = (data: string): CellOutput => ({ mime_type: "text/plain", data, metadata: {} });
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

  it("replaces an image, HTML or chart over the cap by a note, and keeps those under it", () => {
    const image: CellOutput = { mime_type: "image/png", data: "A".repeat(4096), metadata: {} };
    const chart: CellOutput = { mime_type: "application/vnd.plotly.v1+json", data: { data: [{ y: Array.from({ length: 1000 }, (_, i) => i) }] }, metadata: {} };
    const small: CellOutput = { mime_type: "text/html", data: "<b>hi</b>", metadata: {} };
    expect(limitOutputs([image, chart, small], 1024)).toEqual([
      plain("[output not shown: image/png 4 KiB > 1 KiB limit]"),
      plain("[output not shown: application/vnd.plotly.v1+json 3.8 KiB > 1 KiB limit]"),
      small,
    ]);
  });

  it("keeps the leading rows of a table that fit, with the note as its own text output", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i, "y".repeat(40)]);
    const [table, note, ...rest] = limitOutputs([{ mime_type: "application/json", data: { type: "table", columns: ["n", "s"], rows }, metadata: {} }], 1024);
    expect(rest).toEqual([]);
    const kept = (table!.data as { rows: unknown[] }).rows;
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(rows.slice(0, kept.length));
    expect(table!.data).toMatchObject({ truncated: true });
    expect(bytes(JSON.stringify(table!.data))).toBeLessThanOrEqual(1024);
    expect(note).toEqual(plain(`[output truncated: ${kept.length} of 100 rows shown, 4.7 KiB > 1 KiB limit]`));
    expect(limitOutputs([table!, note!], 1024)).toEqual([table, note]);
  });
});
