import * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";
import { z } from "zod";
import { LanguageModelFailure, type ConversationTurn, type LanguageModel, type ModelEvent, type ModelRequest, type StopReason } from "@parallax/application/reactive";
import { malformed, parseEvent, providerEvents, readWire, type WireReader } from "./provider-request.js";

/**
 * OpenAI-compatible chat completions (`POST {base}/chat/completions`, `stream: true`: OpenAI,
 * and the servers that speak its API) as a `LanguageModel`. Each chunk's `choices[0].delta`
 * holds text (`content`) or pieces of tool calls (`tool_calls[{index, id?, function: {name?,
 * arguments}}]`: the id and name come with a call's first piece, the arguments in pieces after);
 * `finish_reason` ends the reply (`tool_calls` asks for the results) and `data: [DONE]` the stream.
 */
export interface OpenAiSettings {
  readonly model: string;
  /** Local OpenAI-compatible servers may need none. */
  readonly apiKey?: string;
  /** Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
}

const PROVIDER = "openai";
const DONE = "[DONE]";

const toolCallDelta = z.object({
  index: z.number().int().min(0),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).optional(),
});
const chunk = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish(), tool_calls: z.array(toolCallDelta).nullish() }).optional(),
        finish_reason: z.string().nullish(),
      }),
    )
    .optional(),
  // Some compatible servers report a failure inside the stream.
  error: z.union([z.object({ message: z.string() }), z.string()]).optional(),
});

function stopReason(reason: string): StopReason {
  if (reason === "stop") return "end_turn";
  if (reason === "tool_calls" || reason === "function_call") return "tool_use";
  if (reason === "length") return "max_tokens";
  return "other";
}

/** The conversation as chat messages: the system prompt first, each tool result its own `tool` message. */
export function openAiMessages(system: string, turns: readonly ConversationTurn[]): unknown[] {
  return [
    { role: "system", content: system },
    ...turns.flatMap((turn) => {
      switch (turn.role) {
        case "user":
          return [{ role: "user", content: turn.text }];
        case "assistant":
          return [
            {
              role: "assistant",
              content: turn.text === "" ? null : turn.text,
              ...(turn.toolCalls.length === 0
                ? {}
                : {
                    tool_calls: turn.toolCalls.map((call) => ({
                      id: call.id,
                      type: "function",
                      function: { name: call.name, arguments: typeof call.input === "string" ? call.input : JSON.stringify(call.input) },
                    })),
                  }),
            },
          ];
        case "tool_results":
          return turn.results.map((result) => ({ role: "tool", tool_call_id: result.toolCallId, content: result.content }));
      }
    }),
  ];
}

class OpenAiWire implements WireReader {
  /** Tool call index → its id; the open one is the last started (calls stream one after another). */
  private readonly calls = new Map<number, string>();
  private open: string | undefined;
  private reason: StopReason | undefined;

  accept(data: string): Effect.Effect<readonly ModelEvent[], LanguageModelFailure> {
    if (data === DONE) return Effect.succeed([...this.closeCall(), { type: "stop", reason: this.reason ?? "other" }]);
    return Effect.flatMap(parseEvent(PROVIDER, chunk, data), (parsed) => {
      if (parsed.error !== undefined) {
        const message = typeof parsed.error === "string" ? parsed.error : parsed.error.message;
        return Effect.fail(new LanguageModelFailure({ message: `The language model (${PROVIDER}) failed: ${message}` }));
      }
      const events: ModelEvent[] = [];
      const choice = parsed.choices?.[0];
      if (choice === undefined) return Effect.succeed(events);
      const content = choice.delta?.content;
      if (content) events.push({ type: "text_delta", text: content });
      for (const piece of choice.delta?.tool_calls ?? []) {
        let id = this.calls.get(piece.index);
        if (id === undefined) {
          const name = piece.function?.name;
          if (!name) return Effect.fail(malformed(PROVIDER, `tool call ${piece.index} has no function name in its first delta`));
          id = piece.id || `call_${piece.index}`;
          this.calls.set(piece.index, id);
          events.push(...this.closeCall(), { type: "tool_call_start", id, name });
          this.open = id;
        }
        const pieceOfArguments = piece.function?.arguments;
        if (pieceOfArguments) events.push({ type: "tool_call_delta", id, argumentsJson: pieceOfArguments });
      }
      if (choice.finish_reason) {
        this.reason = stopReason(choice.finish_reason);
        events.push(...this.closeCall());
      }
      return Effect.succeed(events);
    });
  }

  private closeCall(): ModelEvent[] {
    const id = this.open;
    this.open = undefined;
    return id === undefined ? [] : [{ type: "tool_call_end", id }];
  }

  /** Without `[DONE]` a reply is whole only if it said why it finished. */
  end(): Effect.Effect<readonly ModelEvent[], LanguageModelFailure> {
    if (this.reason === undefined) return Effect.fail(malformed(PROVIDER, "the stream ended before a finish_reason and [DONE]"));
    return Effect.succeed([...this.closeCall(), { type: "stop", reason: this.reason }]);
  }
}

export class OpenAiCompatibleLanguageModel implements LanguageModel {
  constructor(private readonly settings: OpenAiSettings) {}

  stream(request: ModelRequest): Stream.Stream<ModelEvent, LanguageModelFailure> {
    const { model, apiKey } = this.settings;
    const base = (this.settings.baseUrl ?? "https://api.openai.com/v1").replace(/\/+$/, "");
    const payloads = providerEvents({
      provider: PROVIDER,
      url: `${base}/chat/completions`,
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      body: {
        model,
        stream: true,
        // No max_tokens: OpenAI's newer models refuse it (they take max_completion_tokens), compatible servers differ.
        messages: openAiMessages(request.system, request.turns),
        tools: request.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } })),
      },
    });
    return readWire(payloads, () => new OpenAiWire());
  }
}
