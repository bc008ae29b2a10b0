import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { convertLegacyNotebook } from "./legacy.js";

const v3 = (outputs: unknown[]) => ({
  nbformat: 3,
  nbformat_minor: 0,
  metadata: { name: "old" },
  worksheets: [{ cells: [{ cell_type: "code", input: "x", prompt_number: 1, outputs }] }],
});

describe("convertLegacyNotebook", () => {
  it("keeps an application/json output stored as text as its object, and text that is not an object as text", () => {
    const converted = convertLegacyNotebook(
      v3([
        { output_type: "pyout", prompt_number: 1, json: '{"a": 1}' },
        { output_type: "pyout", prompt_number: 1, json: "[1, 2]" },
        { output_type: "pyout", prompt_number: 1, json: "not json" },
      ]),
    );
    expect(Result.isSuccess(converted)).toBe(true);
    const cell = Result.getOrThrow(converted).cells[0]!;
    const data = cell.cell_type === "code" ? cell.outputs.map((o) => ("data" in o ? o.data["application/json"] : undefined)) : [];
    expect(data).toEqual([{ a: 1 }, "[1, 2]", "not json"]);
  });
});
