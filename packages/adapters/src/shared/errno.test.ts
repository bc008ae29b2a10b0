import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { errnoCode, isMissingFile, unlessMissing } from "./errno.js";

describe("errno", () => {
  it("reads the code of a real file-system failure and of nothing else", async () => {
    const failure = await readFile("/nonexistent/parallax").catch((error: unknown) => error);
    expect(errnoCode(failure)).toBe("ENOENT");
    expect(isMissingFile(failure)).toBe(true);
    expect(errnoCode(new Error("plain"))).toBeUndefined();
    expect(errnoCode("ENOENT")).toBeUndefined();
    expect(errnoCode({ code: 2 })).toBeUndefined();
    expect(isMissingFile(null)).toBe(false);
  });

  it("turns only a missing path into the fallback", async () => {
    await expect(unlessMissing(readFile("/nonexistent/parallax", "utf8"), "absent")).resolves.toBe("absent");
    await expect(unlessMissing(readFile("/", "utf8"), "absent")).rejects.toMatchObject({ code: "EISDIR" });
  });
});
