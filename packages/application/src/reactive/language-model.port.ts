import * as Data from "effect/Data";
import type * as Stream from "effect/Stream";

/**
 * The notebook assistant's language model (§B chat), whatever the provider: a request in, the
 * reply as a `Stream` of a few normalised events out. Adapters translate one wire format each
 * (Anthropic Messages, OpenAI-compatible chat completions). Interrupting the stream aborts the
 * provider request. Not here: the conversation loop and the tools (`notebook-assistant.ts`).
 */
export interface LanguageModel {
  stream(request: ModelRequest): Stream.Stream<ModelEvent, LanguageModelFailure>;
}
export const LanguageModel = Symbol.for("parallax.LanguageModel");

/** A tool the model may call: its name, what it is for, and its input as a JSON Schema object. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** A call the model made; `input` is the parsed JSON object of its arguments. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
}

/** What a tool answered, as the text the model reads (JSON). */
export interface ToolResult {
  readonly toolCallId: string;
  readonly content: string;
}

/**
 * The conversation as every provider can take it: it starts with a user turn and user and
 * assistant turns alternate (tool results count as the user's side, as Anthropic has it).
 */
export type ConversationTurn =
  | { readonly role: "user"; readonly text: string }
  | { readonly role: "assistant"; readonly text: string; readonly toolCalls: readonly ToolCall[] }
  | { readonly role: "tool_results"; readonly results: readonly ToolResult[] };

export interface ModelRequest {
  readonly system: string;
  readonly turns: readonly ConversationTurn[];
  readonly tools: readonly ToolDefinition[];
}

/** Why the model stopped: `tool_use` asks for the tools' results before it goes on. */
export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "other";

/**
 * One reply, normalised. Tool calls are keyed by their id; a call's arguments arrive as pieces
 * of one JSON text, complete at `tool_call_end`. `stop` is the last event of a reply.
 */
export type ModelEvent =
  | { readonly type: "text_delta"; readonly text: string }
  | { readonly type: "tool_call_start"; readonly id: string; readonly name: string }
  | { readonly type: "tool_call_delta"; readonly id: string; readonly argumentsJson: string }
  | { readonly type: "tool_call_end"; readonly id: string }
  | { readonly type: "stop"; readonly reason: StopReason };

/**
 * The provider could not be used or answered something unreadable: refused (status and its
 * message), overloaded, unreachable, a stream cut or malformed. The message is for the user.
 */
export class LanguageModelFailure extends Data.TaggedError("LanguageModelFailure")<{
  readonly message: string;
  readonly status?: number;
}> {}
