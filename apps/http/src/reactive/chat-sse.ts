/**
 * §B chat's Server-Sent Events framing, as the React editor parses it: each event is one line
 * `data: <compact JSON>` (a space after the colon) and a blank line, flushed on its own; the JSON
 * is `{"event": E, "data": {...}}`. The editor reads `text_delta.text`, `tool_execute.tool_name`
 * and `error.error`. Not here: the assistant that produces the events (the security/assistant
 * issue builds it on this framing).
 */

/** What each chat event carries (CONTRACTS.md §B, Chat). */
export interface ChatEventData {
  text_start: Record<string, never>;
  text_delta: { text: string };
  tool_start: { tool_id: string; tool_name: string };
  content_block_stop: Record<string, never>;
  tool_execute: { tool_name: string; tool_input: unknown };
  tool_result: { tool_name: string; result: unknown };
  turn_start: { turn: number; max_turns: number };
  done: Record<string, never>;
  error: { error: string };
}
export type ChatEventName = keyof ChatEventData;

/**
 * One event as its SSE frame. JSON escapes every line break, so an event is exactly one `data:`
 * line whatever the text holds (a raw newline would split it into two events for the browser).
 */
export function sseFrame<E extends ChatEventName>(event: E, data: ChatEventData[E]): string {
  return `data: ${JSON.stringify({ event, data })}\n\n`;
}

/** The headers of a chat answer: an event stream nothing in between may buffer or transform. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};
