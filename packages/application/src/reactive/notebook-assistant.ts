import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type { NotFound, StorageFailure } from "@parallax/domain";
import { AssistantTools, assistantTools } from "./assistant-tools.js";
import { chatEvent, type ChatEvent } from "./chat-events.js";
import type { ConversationTurn, LanguageModel, ModelEvent, ToolCall, ToolResult } from "./language-model.port.js";
import type { ReactiveNotebooks } from "./reactive-notebooks.js";

/** A message of the editor's chat history. */
export interface ChatMessage {
  readonly role: "user" | "assistant";
  readonly content: string;
}

export interface AssistantLimits {
  /** Model calls per chat request (§B: at most 10 tool turns). */
  readonly maxTurns?: number;
  /** How long `run_cell` waits for a run (§B: 30 s). */
  readonly runWait?: Duration.Input;
}

const SYSTEM_PROMPT = [
  "You are the assistant of a reactive notebook. Its cells are Python, SQL or JavaScript; a cell reads the names other cells define,",
  "and running a cell also runs every cell that depends on it. SQL cells use {name} placeholders for values from other cells.",
  "Use the tools to read and change the notebook: start with get_notebook_state, refer to cells by their id,",
  "run what you create or change, and tell the user briefly what you did and what the results were.",
].join(" ");

/**
 * The notebook assistant (§B chat): the user's conversation, a model, and the notebook's tools,
 * in at most `maxTurns` model calls. One turn streams the model's reply as §B events (text and
 * tool calls as content blocks), then runs the tools it asked for, one after another
 * (`tool_execute` then `tool_result` each), and gives their results to the next turn. It ends
 * with `done` when a reply asks for no tool, or with `error` when the model fails or the turns
 * run out; a tool's failure is a result the model reads, not an end.
 *
 * The events are a `Stream`: interrupting it interrupts the model's stream (which aborts the
 * provider request) or the running tool.
 */
export class NotebookAssistant {
  private readonly maxTurns: number;
  private readonly runWait: Duration.Input;

  constructor(
    private readonly notebooks: ReactiveNotebooks,
    private readonly model: LanguageModel,
    limits: AssistantLimits = {},
  ) {
    this.maxTurns = limits.maxTurns ?? 10;
    this.runWait = limits.runWait ?? Duration.seconds(30);
  }

  /** Fails (an unknown notebook) before any event, so a host can still answer with a status. */
  chat(notebookId: string, messages: readonly ChatMessage[]): Effect.Effect<Stream.Stream<ChatEvent>, NotFound | StorageFailure> {
    return Effect.map(this.notebooks.get(notebookId), () => {
      const turns = conversation(messages);
      if (turns.length === 0) return Stream.make(chatEvent("error", { error: "The conversation has no message from the user to answer." }));
      return this.turn(new AssistantTools(this.notebooks, notebookId, { runWait: this.runWait }), turns, 1);
    });
  }

  private turn(tools: AssistantTools, turns: readonly ConversationTurn[], number: number): Stream.Stream<ChatEvent> {
    return Stream.suspend(() => {
      const reply = new ReplyBlocks();
      const replied = this.model.stream({ system: SYSTEM_PROMPT, turns, tools: assistantTools }).pipe(
        Stream.map((event) => reply.accept(event)),
        Stream.flattenIterable,
      );
      const next = Stream.suspend(() => {
        const closing = reply.close();
        const calls = reply.toolCalls();
        if (calls.length === 0) return Stream.fromIterable([...closing, chatEvent("done", {})]);
        if (number >= this.maxTurns) {
          const error = `Stopped after ${this.maxTurns} turns: the assistant still wanted to use tools. Ask it to go on.`;
          return Stream.fromIterable([...closing, chatEvent("error", { error })]);
        }
        const results: ToolResult[] = [];
        const executed = Stream.flatMap(Stream.fromIterable(calls), (call) =>
          Stream.concat(
            Stream.succeed(chatEvent("tool_execute", { tool_name: call.name, tool_input: call.input })),
            Stream.fromEffect(
              tools.execute(call.name, call.input).pipe(
                Effect.tap((result) => Effect.sync(() => results.push({ toolCallId: call.id, content: JSON.stringify(result) }))),
                Effect.map((result) => chatEvent("tool_result", { tool_name: call.name, result })),
              ),
            ),
          ),
        );
        const following = Stream.suspend(() =>
          this.turn(tools, [...turns, { role: "assistant", text: reply.text, toolCalls: calls }, { role: "tool_results", results }], number + 1),
        );
        return Stream.concat(Stream.fromIterable(closing), Stream.concat(executed, following));
      });
      return Stream.concat(Stream.succeed(chatEvent("turn_start", { turn: number, max_turns: this.maxTurns })), Stream.concat(replied, next)).pipe(
        Stream.catchTag("LanguageModelFailure", (failure) => Stream.make(...reply.close(), chatEvent("error", { error: failure.message }))),
      );
    });
  }
}

/**
 * The editor's history as a conversation every provider takes: empty messages dropped, a role's
 * consecutive messages joined, and it starts and ends with the user (the editor's greeting,
 * and an assistant turn after the last question, are not the user's to answer).
 */
export function conversation(messages: readonly ChatMessage[]): ConversationTurn[] {
  const joined: Array<{ role: ChatMessage["role"]; text: string }> = [];
  for (const { role, content } of messages) {
    if (content.trim() === "") continue;
    const last = joined.at(-1);
    if (last?.role === role) last.text = `${last.text}\n\n${content}`;
    else joined.push({ role, text: content });
  }
  while (joined[0]?.role === "assistant") joined.shift();
  while (joined.at(-1)?.role === "assistant") joined.pop();
  return joined.map(({ role, text }) => (role === "user" ? { role, text } : { role, text, toolCalls: [] }));
}

/**
 * One reply's content blocks as §B shows them: a text block opens at its first delta
 * (`text_start`) and closes (`content_block_stop`) when a tool call starts or the reply ends; a
 * tool call is `tool_start` … `content_block_stop`, its arguments gathered until it ends.
 */
class ReplyBlocks {
  text = "";
  private textOpen = false;
  private readonly calls = new Map<string, { name: string; json: string }>();

  accept(event: ModelEvent): ChatEvent[] {
    switch (event.type) {
      case "text_delta": {
        if (event.text === "") return [];
        this.text += event.text;
        const opening = this.textOpen ? [] : [chatEvent("text_start", {})];
        this.textOpen = true;
        return [...opening, chatEvent("text_delta", { text: event.text })];
      }
      case "tool_call_start":
        this.calls.set(event.id, { name: event.name, json: "" });
        return [...this.close(), chatEvent("tool_start", { tool_id: event.id, tool_name: event.name })];
      case "tool_call_delta": {
        const call = this.calls.get(event.id);
        if (call) call.json += event.argumentsJson;
        return [];
      }
      case "tool_call_end":
        return [chatEvent("content_block_stop", {})];
      // Whatever the reason, the calls it holds are run: a reply cut at max_tokens mid-call gets its tool's refusal.
      case "stop":
        return this.close();
    }
  }

  /** Closes an open text block. */
  close(): ChatEvent[] {
    if (!this.textOpen) return [];
    this.textOpen = false;
    return [chatEvent("content_block_stop", {})];
  }

  toolCalls(): ToolCall[] {
    return [...this.calls].map(([id, { name, json }]) => ({ id, name, input: argumentsOf(json) }));
  }
}

/**
 * A call's arguments: a JSON object, `{}` for none. Text that is not one is handed on as it is:
 * the tool's schema refuses it with a message the model reads.
 */
function argumentsOf(json: string): unknown {
  if (json.trim() === "") return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}
