import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parseNotebookJson } from "./notebook-json.js";

/** What a parse gives: the value, or the error's message. */
function outcome(parse: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Splits text into pieces of random length (never inside a surrogate pair, as a decoder's pieces). */
function pieces(text: string, random: () => number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + (random() < 0.2 ? 1 : 1 + Math.floor(random() * 3000)));
    if (end < text.length && /[\udc00-\udfff]/.test(text[end]!)) end++;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

const long = (character: string, length = 2000) => character.repeat(length);

describe("parseNotebookJson", () => {
  it("gives what JSON.parse gives, whole or in pieces, on seeded documents and their corruptions", () => {
    const random = seeded(11);
    const atoms = ['a', '"', "\\", "n", "u", "0", " ", "\n", "\t", "\u0000", ":", ",", "{", "}", "[", "]", "é", "😀", "\u2028", long("x", 300), long("Q", 1100)];
    const string = () => {
      let text = "";
      for (let i = Math.floor(random() * 6); i > 0; i--) text += atoms[Math.floor(random() * atoms.length)];
      return random() < 0.1 ? text.repeat(200) : text;
    };
    const value = (depth: number): unknown => {
      const roll = random();
      if (depth > 3 || roll < 0.3) return string();
      if (roll < 0.4) return Math.floor(random() * 100);
      if (roll < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) object[string()] = value(depth + 1);
      return object;
    };
    const corruptions = ['"', "\\", "\n", "\u0001", ":", "\\u0000", '"\\u0000'];
    let compared = 0;
    for (let round = 0; round < 3000; round++) {
      let text = JSON.stringify(value(0), null, random() < 0.5 ? 1 : undefined);
      if (random() < 0.3) {
        const at = Math.floor(random() * text.length);
        const kind = Math.floor(random() * 3);
        const inserted = corruptions[Math.floor(random() * corruptions.length)]!;
        text = kind === 0 ? text.slice(0, at) + inserted + text.slice(at) : kind === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at);
      }
      const expected = outcome(() => JSON.parse(text));
      for (const input of [text, pieces(text, random)]) {
        const actual = outcome(() => parseNotebookJson(input));
        if (!isDeepStrictEqual(actual, expected)) expect({ text, actual }).toEqual({ text, actual: expected });
        compared++;
      }
    }
    expect(compared).toBe(6000);
  });

  it("puts long strings back as values, never as keys, whatever the keys look like", () => {
    const image = long("i");
    const text = `{"cells": [{"outputs": [{"data": {"image/png": "${image}", "${long("k")}": 1}}]}], "0": "${long("z")}", "1": ["${image}", 2]}`;
    expect(parseNotebookJson(text)).toEqual(JSON.parse(text));
    expect(parseNotebookJson(pieces(text, seeded(3)))).toEqual(JSON.parse(text));
  });

  it("keeps __proto__ an own property and the prototype Object's", () => {
    const text = `{"__proto__": "${long("p")}", "a": {"__proto__": ["${long("q")}"]}}`;
    const parsed = parseNotebookJson(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "a"]);
    expect(isDeepStrictEqual(parsed, JSON.parse(text))).toBe(true);
  });

  it("is not fooled by a document string that looks like a placeholder", () => {
    const text = `{"a": "\\u00000", "b": "${long("b")}", "c": ["\\u0000", "\\u00001x"]}`;
    expect(parseNotebookJson(text)).toEqual(JSON.parse(text));
  });

  it("refuses what JSON.parse refuses, with its message: control characters, bad escapes, unterminated strings", () => {
    for (const text of [`{"a": "${long("a")}\u0001${long("a")}"}`, `{"a": "${long("a")}\n"}`, `{"a": "${long("a")}\\x"}`, `{"a": "${long("a")}`, `{"a": "${long("a")}" "b"}`, `["${long("a")}",]`]) {
      const expected = outcome(() => JSON.parse(text));
      expect("error" in expected).toBe(true);
      expect(outcome(() => parseNotebookJson(text))).toEqual(expected);
      expect(outcome(() => parseNotebookJson(pieces(text, seeded(5))))).toEqual(expected);
    }
  });

  it("gives JSON.parse's result for text full of escapes (beyond what it scans before leaving it to JSON.parse), alone or after images", () => {
    const escaped = '<td class="x">1</td>\n\\'.repeat(400_000);
    for (const text of [
      JSON.stringify({ html: escaped, image: long("i") }),
      JSON.stringify({ lines: Array.from({ length: 200_000 }, (_, i) => `line "${i}"\n`), image: long("i") }),
      JSON.stringify({ images: Array.from({ length: 3000 }, () => long("i")), html: escaped }),
    ]) {
      expect(parseNotebookJson(text)).toEqual(JSON.parse(text));
      expect(parseNotebookJson(pieces(text, seeded(9)))).toEqual(JSON.parse(text));
    }
  });

  it("parses a document deeper than the stack would allow a recursive walk", () => {
    const depth = 100_000;
    const text = `${"[".repeat(depth)}"${long("d")}"${"]".repeat(depth)}`;
    let value = parseNotebookJson(text);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    expect(value).toBe(long("d"));
  });
});
