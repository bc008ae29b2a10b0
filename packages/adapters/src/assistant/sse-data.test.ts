import { Effect, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { sseData } from "./sse-data.js";

const encoder = new TextEncoder();
/** The text cut into chunks of `size` bytes, as a socket may deliver it (through multi-byte characters too). */
function chunked(text: string, size: number): Stream.Stream<Uint8Array> {
  const bytes = encoder.encode(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
  return Stream.fromIterable(chunks);
}
const data = (text: string, size = 1024) => Effect.runPromise(Stream.runCollect(sseData(chunked(text, size))));

describe("sseData", () => {
  it("gives each event's data, skipping event names, ids, comments and keep-alives", async () => {
    const text = 'event: message_start\ndata: {"a":1}\n\n: keep-alive\n\nevent: ping\ndata: {"type":"ping"}\nid: 7\nretry: 100\n\ndata: [DONE]\n\n';
    expect(await data(text)).toEqual(['{"a":1}', '{"type":"ping"}', "[DONE]"]);
  });

  it("is the same however the bytes are cut, multi-byte characters included", async () => {
    const text = 'data: {"text":"héllo ✓ 🌍"}\n\ndata: {"text":"two"}\n\n';
    for (const size of [1, 2, 3, 5, 7]) expect(await data(text, size), `chunks of ${size}`).toEqual(['{"text":"héllo ✓ 🌍"}', '{"text":"two"}']);
  });

  it("joins an event's data lines with newlines, takes `data:` without a space and CRLF line ends", async () => {
    expect(await data("data:first\r\ndata:  second\r\ndata\r\n\r\n")).toEqual(["first\n second\n"]);
  });

  it("dispatches an event the stream ended in the middle of (its provider decides whether it was complete)", async () => {
    expect(await data('data: {"a":1}\n\ndata: {"cut')).toEqual(['{"a":1}', '{"cut']);
  });
});
