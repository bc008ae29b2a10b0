/** What each chat event carries (CONTRACTS.md §B, Chat); the HTTP host frames them as SSE. */
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

/** One §B chat event, `{event, data}` as it goes on the wire. */
export type ChatEvent = { [E in ChatEventName]: { readonly event: E; readonly data: ChatEventData[E] } }[ChatEventName];

export function chatEvent<E extends ChatEventName>(event: E, data: ChatEventData[E]): ChatEvent {
  return { event, data } as ChatEvent;
}
