import { Deferred, Effect, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { KEEP_ALIVE_FRAME, sseFrame, withKeepAlive } from "./chat-sse.js";

/** How the React editor reads a chat stream: split on newlines, keep lines starting `data: `, JSON.parse the rest. */
function editorReads(stream: string): unknown[] {
  return stream
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as unknown);
}

describe("the chat's SSE framing (§B, as the React editor parses it)", () => {
  it("is `data: ` (a space after the colon), one compact JSON {event, data}, and a blank line", () => {
    expect(sseFrame("text_delta", { text: "Hi" })).toBe('data: {"event":"text_delta","data":{"text":"Hi"}}\n\n');
    expect(sseFrame("done", {})).toBe('data: {"event":"done","data":{}}\n\n');
  });

  it("keeps an event on one line whatever its text holds, so each frame is exactly one event", () => {
    const frames = [
      sseFrame("turn_start", { turn: 1, max_turns: 10 }),
      sseFrame("text_delta", { text: "line one\nline two\r\n\ndata: not an event" }),
      sseFrame("tool_execute", { tool_name: "run_cell", tool_input: { cell_id: "c1" } }),
      sseFrame("error", { error: "Provider failed:\nrate limited" }),
    ];
    for (const frame of frames) expect(frame.slice(0, -2)).not.toMatch(/[\r\n]/);
    expect(editorReads(frames.join(""))).toEqual([
      { event: "turn_start", data: { turn: 1, max_turns: 10 } },
      { event: "text_delta", data: { text: "line one\nline two\r\n\ndata: not an event" } },
      { event: "tool_execute", data: { tool_name: "run_cell", tool_input: { cell_id: "c1" } } },
      { event: "error", data: { error: "Provider failed:\nrate limited" } },
    ]);
  });
});

describe("keep-alive comments while the chat is silent", () => {
  it("come between frames while nothing else is sent, are skipped by the editor, and stop with the frames", async () => {
    const sent = await Effect.runPromise(
      Effect.gen(function* () {
        const silenceOver = yield* Deferred.make<void>();
        const frames = Stream.concat(
          Stream.make(sseFrame("text_start", {})),
          Stream.fromEffect(Deferred.await(silenceOver)).pipe(Stream.as(sseFrame("done", {}))),
        );
        // The silence ends only once a keep-alive went out, so the outcome does not depend on timing.
        return yield* withKeepAlive(frames, 5).pipe(
          Stream.tap((frame) => (frame === KEEP_ALIVE_FRAME ? Deferred.succeed(silenceOver, undefined) : Effect.void)),
          Stream.runCollect,
        );
      }),
    );
    expect(sent[0]).toBe(sseFrame("text_start", {}));
    expect(sent.at(-1)).toBe(sseFrame("done", {}));
    expect(sent.slice(1, -1).length).toBeGreaterThan(0);
    expect(sent.slice(1, -1).every((frame) => frame === KEEP_ALIVE_FRAME)).toBe(true);
    expect(editorReads(sent.join(""))).toEqual([{ event: "text_start", data: {} }, { event: "done", data: {} }]);
  });
});
