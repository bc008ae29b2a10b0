import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Stream from "effect/Stream";
import type { Context } from "koa";
import { PassThrough } from "node:stream";
import type { Logger } from "@parallax/adapters";
import { chatEvent, type ChatEvent, type ChatEventData, type ChatEventName } from "@parallax/application/reactive";

/**
 * §B chat's Server-Sent Events, as the React editor parses them: each event is one line
 * `data: <compact JSON>` (a space after the colon) and a blank line, flushed on its own; the JSON
 * is `{"event": E, "data": {...}}`. The editor reads `text_delta.text`, `tool_execute.tool_name`
 * and `error.error`. The events themselves come from `NotebookAssistant`.
 */
export type { ChatEventData, ChatEventName };

/**
 * One event as its SSE frame. JSON escapes every line break, so an event is exactly one `data:`
 * line whatever the text holds (a raw newline would split it into two events for the browser).
 */
export function sseFrame<E extends ChatEventName>(event: E, data: ChatEventData[E]): string {
  return chatFrame(chatEvent(event, data));
}

export function chatFrame({ event, data }: ChatEvent): string {
  return `data: ${JSON.stringify({ event, data })}\n\n`;
}

/** The headers of a chat answer: an event stream nothing in between may buffer or transform. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};

/**
 * An SSE comment line the editor's parser skips (it keeps only `data: ` lines). Sent while the
 * chat is silent (a long `run_cell`, a slow model) so proxies with an idle timeout — an ALB's
 * default is 60 s — do not cut the answer.
 */
export const KEEP_ALIVE_FRAME = ": keep-alive\n\n";
export const KEEP_ALIVE_INTERVAL_MS = 15_000;

/** The frames, with a keep-alive comment every `intervalMs`; it ends when the frames end. */
export function withKeepAlive<E, R>(frames: Stream.Stream<string, E, R>, intervalMs: number): Stream.Stream<string, E, R> {
  const keepAlive = Stream.tick(intervalMs).pipe(Stream.drop(1), Stream.as(KEEP_ALIVE_FRAME));
  return Stream.merge(frames, keepAlive, { haltStrategy: "left" });
}

/** Writes one frame, waiting while the client reads slower than events come. */
function write(body: PassThrough, frame: string): Effect.Effect<void> {
  return Effect.callback<void>((resume) => {
    if (body.write(frame)) return resume(Effect.void);
    const drained = () => resume(Effect.void);
    body.once("drain", drained);
    return Effect.sync(() => void body.off("drain", drained));
  });
}

/**
 * Answers the request with `events` as SSE, each frame written as it comes. A client that goes
 * away interrupts the stream, which aborts the model's request or the running tool; a defect in
 * the stream (a bug) still ends the answer with an `error` event.
 */
export function sendChatEvents(ctx: Context, events: Stream.Stream<ChatEvent>, logger: Logger, keepAliveMs = KEEP_ALIVE_INTERVAL_MS): void {
  ctx.status = 200;
  ctx.set(SSE_HEADERS);
  const body = new PassThrough();
  ctx.body = body;
  const guarded = Stream.catchCause(events, (cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Stream.failCause(cause);
    logger.error({ err: Cause.squash(cause) }, "chat: the assistant failed");
    return Stream.succeed(chatEvent("error", { error: "The assistant failed unexpectedly." }));
  });
  const sending = Stream.runForEach(withKeepAlive(Stream.map(guarded, chatFrame), keepAliveMs), (frame) => write(body, frame));
  const fiber = Effect.runFork(Effect.ensuring(sending, Effect.sync(() => body.end())));
  // Also fires after a finished answer, when interrupting changes nothing.
  ctx.res.once("close", () => Effect.runFork(Fiber.interrupt(fiber)));
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) logger.error({ err: Cause.squash(exit.cause) }, "chat: sending failed");
  });
}
