import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readFileVersioned } from "../shared/atomic-file.js";
import { readStoredText } from "./stored-notebook.js";

describe("readStoredText", () => {
  const directory = mkdtempSync(join(tmpdir(), "parallax-stored-text-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const utf8 = (text: string) => Buffer.from(text, "utf8");
  const cases: Record<string, Buffer> = {
    ascii: utf8('{"a": "plain text"}'),
    bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('{"a": "after a BOM"}')]),
    "a BOM only at the start": Buffer.concat([utf8("x"), Buffer.from([0xef, 0xbb, 0xbf]), utf8("y"), Buffer.from([0xef, 0xbb, 0xbf])]),
    "two-, three- and four-byte sequences": utf8("é€😀".repeat(50) + "aé€😀b"),
    "malformed sequences": Buffer.from([0x61, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98, 0xc3, 0x80, 0x80, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xe2, 0x82]),
    "a truncated sequence at the end": Buffer.concat([utf8("ab€"), Buffer.from([0xf0, 0x9f, 0x98])]),
    empty: Buffer.alloc(0),
  };

  for (const [name, bytes] of Object.entries(cases)) {
    it(`decodes ${name} as TextDecoder decodes the whole file, whatever the piece size`, async () => {
      const path = join(directory, `${name}.ipynb`);
      writeFileSync(path, bytes);
      const expected = new TextDecoder().decode(bytes);
      const { version } = await readFileVersioned(path);
      for (const pieceBytes of [1, 2, 3, 4, 5, 7, 64, 1 << 20]) {
        const read = await readStoredText(path, pieceBytes);
        expect(read.text.join(""), `pieces of ${pieceBytes} bytes`).toBe(expected);
        expect(read.version).toBe(version);
      }
    });
  }

  it("decodes seeded random bytes (leads, continuations, BOMs, invalid bytes) as TextDecoder does", async () => {
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const palette = [0x22, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0xff];
    const path = join(directory, "random.ipynb");
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => palette[Math.floor(random() * palette.length)]!));
      writeFileSync(path, bytes);
      const expected = new TextDecoder().decode(bytes);
      for (const pieceBytes of [4, 5, 6, 9, 64]) expect((await readStoredText(path, pieceBytes)).text.join("")).toBe(expected);
    }
  });
});
