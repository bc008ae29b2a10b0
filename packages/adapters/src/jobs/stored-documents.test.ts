import { describe, expect, it } from "vitest";
import { z } from "zod";
import { StorageFailure } from "@parallax/domain";
import { ParsedDocuments } from "./stored-documents.js";

const schema = z.object({ id: z.string(), n: z.number() });

describe("parsed documents", () => {
  it("answer the same text with what it parsed to, parse any other text, and refuse one that does not parse, naming it", () => {
    const documents = new ParsedDocuments(schema);
    let described = 0;
    const what = () => (described++, "doc a");
    const first = documents.read("a", '{"id":"a","n":1}', what);
    expect(documents.read("a", '{"id":"a","n":1}', what)).toBe(first);
    expect(described).toBe(1);
    expect(documents.read("a", '{"id":"a","n":2}', what)).toEqual({ id: "a", n: 2 });
    expect(() => documents.read("a", '{"id":"a","n":"two"}', what)).toThrow(StorageFailure);
    expect(() => documents.read("a", '{"id":"a","n":"two"}', what)).toThrow(/doc a/);
    // The refused text was not remembered, nor did it evict the last good one.
    expect(documents.read("a", '{"id":"a","n":2}', what)).toEqual({ id: "a", n: 2 });
  });

  it("answer a written value for the text written, and keep at most `capacity` documents, the oldest dropped first", () => {
    const documents = new ParsedDocuments(schema, 2);
    const written = { id: "w", n: 7 };
    documents.remember("w", JSON.stringify(written), written);
    expect(documents.read("w", JSON.stringify(written), () => "w")).toBe(written);
    documents.read("x", '{"id":"x","n":1}', () => "x");
    const y = documents.read("y", '{"id":"y","n":1}', () => "y");
    expect(documents.read("w", JSON.stringify(written), () => "w")).not.toBe(written);
    expect(documents.read("y", '{"id":"y","n":1}', () => "y")).toBe(y);
  });
});
