import { describe, expect, it } from "vitest";
import { ProtocolLines } from "./protocol-lines.js";

function reader(maxBytes: number) {
  const seen: Array<string | { head: string; bytes: number }> = [];
  const lines = new ProtocolLines(maxBytes, (line) => seen.push(line), (head, bytes) => seen.push({ head, bytes }), 8);
  return { seen, push: (text: string) => lines.push(Buffer.from(text)) };
}

describe("ProtocolLines", () => {
  it("joins lines split across chunks, multi-byte characters included", () => {
    const { seen, push } = reader(100);
    const euro = Buffer.from("€");
    push("a\nb");
    push("c\n\n");
    const lines = new ProtocolLines(100, (line) => seen.push(line), () => undefined);
    lines.push(euro.subarray(0, 1));
    lines.push(Buffer.concat([euro.subarray(1), Buffer.from("\n")]));
    expect(seen).toEqual(["a", "bc", "", "€"]);
  });

  it("drops a line longer than the cap as it arrives, reporting its head and length, and reads on", () => {
    const { seen, push } = reader(10);
    push('{"type": "done", ');
    push("x".repeat(1000));
    push("yy\nnext\n");
    expect(seen).toEqual([{ head: '{"type":', bytes: 17 + 1000 + 2 }, "next"]);
  });

  it("takes a line of exactly the cap", () => {
    const { seen, push } = reader(10);
    push(`${"z".repeat(10)}\n${"z".repeat(11)}\n`);
    expect(seen).toEqual(["z".repeat(10), { head: "zzzzzzzz", bytes: 11 }]);
  });
});
