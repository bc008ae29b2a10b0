import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parseNotebookName } from "./notebook-name.js";

const name = (raw: string) => {
  const parsed = parseNotebookName(raw);
  return Result.isSuccess(parsed) ? parsed.success : `error: ${parsed.failure.message}`;
};

describe("parseNotebookName", () => {
  it("adds the extension, and stores one spelling of it whatever its case", () => {
    expect(name("scene")).toBe("scene.ipynb");
    expect(name("Pulto.ipynb")).toBe("Pulto.ipynb");
    expect(name("Report.IPYNB")).toBe("Report.ipynb");
    expect(name("Mixed.IpYnB")).toBe("Mixed.ipynb");
  });

  it("accepts letters of any script, NFC-normalised, and the spaces of percent-decoded names", () => {
    expect(name("données.ipynb")).toBe("données.ipynb");
    expect(name("donne\u0301es")).toBe("donn\u00e9es.ipynb");
    expect(name("日本語 ノート")).toBe("日本語 ノート.ipynb");
    expect(name("My Notebook (v2)")).toBe("My Notebook (v2).ipynb");
  });

  it("refuses NUL, control characters and bidirectional controls with a clear message", () => {
    for (const raw of ["bad\u0000name", "tab\there", "line\nbreak", "evil\u202Egnp.ipynb", "a\u2066b", "x\u200Fy", "x\u200Ey", "del\u007F"]) {
      expect(name(raw)).toBe("error: Invalid notebook name: control characters and bidirectional text controls are not allowed");
    }
  });

  it("refuses path tricks, leading dots, odd punctuation and names too long for a file system", () => {
    expect(name("../x")).toMatch(/path separators/);
    expect(name(".hidden")).toMatch(/use letters/);
    expect(name("a;b")).toMatch(/use letters/);
    expect(name("   ")).toBe("error: Notebook name is empty");
    expect(name("é".repeat(100))).toMatch(/longer than 200 bytes/);
    expect(name("e".repeat(150))).toBe(`${"e".repeat(150)}.ipynb`);
  });
});
