import { describe, expect, it } from "vitest";
import { base64Of, chartsByCellKey, extractCharts, hasWhitespace } from "./chart-extraction.js";
import type { Notebook } from "./nbformat.types.js";

describe("chart extraction", () => {
  it("gives bare base64: list items joined, every newline and space removed, no data: prefix", () => {
    expect(base64Of(["iVBOR\n", "w0KG go=\n"])).toBe("iVBORw0KGgo=");
    expect(base64Of("data:image/png;base64,iVBOR w0KGgo=")).toBe("iVBORw0KGgo=");
    expect(base64Of("iVBORw0KGgo=")).toBe("iVBORw0KGgo=");
  });

  it("finds whitespace exactly where \\s does, in one-byte and two-byte strings", () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code);
      const expected = /\s/.test(character);
      if (hasWhitespace(`iVBOR${character}w0KGgo=`) !== expected) disagreements.push(`U+${code.toString(16)}`);
      if (hasWhitespace(`\u4e00${character}`) !== expected) disagreements.push(`U+${code.toString(16)} in a two-byte string`);
    }
    expect(disagreements).toEqual([]);
    expect(hasWhitespace("iVBORw0KGgo=".repeat(1000))).toBe(false);
  });

  it("keys a cell's images by its zero-padded index, in output order", () => {
    const image = (mime: string, data: string) => ({ output_type: "display_data" as const, data: { [mime]: data }, metadata: {} });
    const notebook: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: "m", cell_type: "markdown", metadata: {}, source: "" },
        { id: "c", cell_type: "code", metadata: {}, source: "", execution_count: 1, outputs: [image("image/png", "A"), image("image/jpeg", "B")] },
      ],
    };
    expect(chartsByCellKey(extractCharts(notebook))).toEqual({ chartKey_001: ["A", "B"] });
  });
});
