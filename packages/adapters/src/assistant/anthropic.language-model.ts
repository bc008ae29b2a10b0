import * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import { z } from "zod";
import { LanguageModelFailure, type ConversationTurn, type LanguageModel, type ModelEvent, type ModelRequest, type StopReason } from "@parallax/application/reactive";
import { malformed, parseEvent, providerEvents, readWire, type WireReader } from "./provider-request.js";

/**
 * The Anthropic Messages API (`POST {base}/v1/messages`, `stream: true`) as a `LanguageModel`.
 * Its stream: `message_start`, per content block `content_block_start` (text, or tool_use with
 * its id and name), `content_block_delta` (`text_delta`, or `input_json_delta` pieces of the
 * tool's input), `content_block_stop`; then `message_delta` with the `stop_reason`, and
 * `message_stop`. `ping` keeps it alive; `error` ends it (an overloaded API says so there).
 */
export interface AnthropicSettings {
  readonly model: string;
  readonly apiKey: string;
  /** Default `https://api.anthropic.com`. */
  readonly baseUrl?: string;
  readonly maxTokens: number;
}

const PROVIDER = "anthropic";
const API_VERSION = "2023-06-01";

const textBlock = z.object({ type: z.literal("text"), text: z.string() });
const toolUseBlock = z.object({ type: z.literal("tool_use"), id: z.string().min(1), name: z.string().min(1) });
const streamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message_start") }),
  z.object({
    type: z.literal("content_block_start"),
    index: z.number().int(),
    // Block kinds other than text and tool_use (thinking, …) are not the chat's: their deltas are skipped.
    content_block: z.union([textBlock, toolUseBlock, z.object({ type: z.string() })]),
  }),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number().int(),
    delta: z.union([
      z.object({ type: z.literal("text_delta"), text: z.string() }),
      z.object({ type: z.literal("input_json_delta"), partial_json: z.string() }),
      z.object({ type: z.string() }),
    ]),
  }),
  z.object({ type: z.literal("content_block_stop"), index: z.number().int() }),
  z.object({ type: z.literal("message_delta"), delta: z.object({ stop_reason: z.string().nullish() }) }),
  z.object({ type: z.literal("message_stop") }),
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("error"), error: z.object({ type: z.string().optional(), message: z.string() }) }),
]);
/** Event types added to the API after this adapter are skipped, as Anthropic asks of clients. */
const anyEvent = z.object({ type: z.string() });
const KNOWN: ReadonlySet<string> = new Set(streamEvent.options.map((option) => option.shape.type.value));

function stopReason(reason: string | null | undefined): StopReason {
  if (reason === "end_turn" || reason === "stop_sequence") return "end_turn";
  if (reason === "tool_use") return "tool_use";
  if (reason === "max_tokens") return "max_tokens";
  return "other";
}

/** The conversation as Messages: tool calls are `tool_use` blocks, their results `tool_result` blocks of a user message. */
export function anthropicMessages(turns: readonly ConversationTurn[]): unknown[] {
  return turns.map((turn) => {
    switch (turn.role) {
      case "user":
        return { role: "user", content: turn.text };
      case "assistant":
        return {
          role: "assistant",
          content: [
            ...(turn.text === "" ? [] : [{ type: "text", text: turn.text }]),
            // The API takes only an object as a tool's input; arguments the model garbled were answered with an error already.
            ...turn.toolCalls.map((call) => ({ type: "tool_use", id: call.id, name: call.name, input: isObject(call.input) ? call.input : {} })),
          ],
        };
      case "tool_results":
        return { role: "user", content: turn.results.map((result) => ({ type: "tool_result", tool_use_id: result.toolCallId, content: result.content })) };
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class AnthropicWire implements WireReader {
  /** Content block index → the tool call it carries. */
  private readonly toolBlocks = new Map<number, string>();
  private reason: StopReason = "other";

  accept(data: string): Effect.Effect<readonly ModelEvent[], LanguageModelFailure> {
    return Effect.flatMap(parseEvent(PROVIDER, anyEvent, data), ({ type }) =>
      KNOWN.has(type) ? Effect.flatMap(parseEvent(PROVIDER, streamEvent, data), (event) => this.translate(event)) : Effect.succeed([]),
    );
  }

  private translate(event: z.infer<typeof streamEvent>): Effect.Effect<readonly ModelEvent[], LanguageModelFailure> {
    switch (event.type) {
      case "content_block_start": {
        const block = event.content_block;
        if ("id" in block) {
          this.toolBlocks.set(event.index, block.id);
          return Effect.succeed([{ type: "tool_call_start", id: block.id, name: block.name }]);
        }
        return Effect.succeed("text" in block && block.text !== "" ? [{ type: "text_delta", text: block.text }] : []);
      }
      case "content_block_delta": {
        const delta = event.delta;
        if ("text" in delta) return Effect.succeed([{ type: "text_delta", text: delta.text }]);
        if ("partial_json" in delta) {
          const id = this.toolBlocks.get(event.index);
          if (id === undefined) return Effect.fail(malformed(PROVIDER, `input_json_delta for block ${event.index}, which is not a tool_use block`));
          return Effect.succeed([{ type: "tool_call_delta", id, argumentsJson: delta.partial_json }]);
        }
        return Effect.succeed([]);
      }
      case "content_block_stop": {
        const id = this.toolBlocks.get(event.index);
        return Effect.succeed(id === undefined ? [] : [{ type: "tool_call_end", id }]);
      }
      case "message_delta":
        if (event.delta.stop_reason) this.reason = stopReason(event.delta.stop_reason);
        return Effect.succeed([]);
      case "message_stop":
        return Effect.succeed([{ type: "stop", reason: this.reason }]);
      case "error":
        return Effect.fail(new LanguageModelFailure({ message: `The language model (${PROVIDER}) failed: ${event.error.message}` }));
      case "message_start":
      case "ping":
        return Effect.succeed([]);
    }
  }

  end(): Effect.Effect<readonly ModelEvent[], LanguageModelFailure> {
    return Effect.fail(malformed(PROVIDER, "the stream ended before message_stop"));
  }
}

export class AnthropicLanguageModel implements LanguageModel {
  constructor(private readonly settings: AnthropicSettings) {}

  stream(request: ModelRequest): Stream.Stream<ModelEvent, LanguageModelFailure> {
    const { model, apiKey, maxTokens } = this.settings;
    const base = (this.settings.baseUrl ?? "https://api.anthropic.com").replace(/\/+$/, "");
    const payloads = providerEvents({
      provider: PROVIDER,
      url: `${base}/v1/messages`,
      headers: { "x-api-key": apiKey, "anthropic-version": API_VERSION },
      body: {
        model,
        max_tokens: maxTokens,
        stream: true,
        system: request.system,
        messages: anthropicMessages(request.turns),
        tools: request.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema })),
      },
    });
    return readWire(payloads, () => new AnthropicWire());
  }
}
