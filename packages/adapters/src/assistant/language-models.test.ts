import { Cause, Effect, Exit, Fiber, Stream } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import type { LanguageModel, ModelEvent, ModelRequest } from "@parallax/application/reactive";
import { AnthropicLanguageModel } from "./anthropic.language-model.js";
import { OpenAiCompatibleLanguageModel } from "./openai.language-model.js";
import { framesFor, startProviderStub, type ProviderStub, type ProviderWire, type ScriptedReply, type StubAnswer, type StubRequest } from "./provider-stubs.testkit.js";

const stubs: ProviderStub[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((stub) => stub.close()));
});

async function stubbed(wire: ProviderWire, answer: (request: StubRequest, n: number) => StubAnswer) {
  const stub = await startProviderStub(answer);
  stubs.push(stub);
  const model: LanguageModel =
    wire === "anthropic"
      ? new AnthropicLanguageModel({ model: "stub-model", apiKey: "test-key", baseUrl: stub.url, maxTokens: 1000 })
      : new OpenAiCompatibleLanguageModel({ model: "stub-model", apiKey: "test-key", baseUrl: `${stub.url}/v1` });
  return { stub, model };
}

const request: ModelRequest = {
  system: "You help.",
  turns: [
    { role: "user", text: "Make x two" },
    { role: "assistant", text: "On it.", toolCalls: [{ id: "call-1", name: "create_cell", input: { cell_type: "python", code: "x = 2" } }] },
    { role: "tool_results", results: [{ toolCallId: "call-1", content: '{"status":"ok","cell_id":"c9"}' }] },
  ],
  tools: [{ name: "create_cell", description: "Add a cell", inputSchema: { type: "object", properties: { code: { type: "string" } } } }],
};

const reply: ScriptedReply = {
  parts: [{ text: ["Adding", " a cell ", "✓"] }, { toolCall: { id: "toolu_7", name: "run_cell", input: { cell_id: "c9", note: "ünïcode \"quoted\"" } } }],
  stop: "tool_use",
};

const collect = (model: LanguageModel) => Effect.runPromiseExit(Stream.runCollect(model.stream(request)));
/** The message the stream failed with. */
function failureOf(exit: Exit.Exit<unknown, { message: string }>): string {
  if (Exit.isSuccess(exit)) return "no failure";
  const error = Cause.squash(exit.cause);
  return error instanceof Error ? error.message : String(error);
}

describe.each<ProviderWire>(["anthropic", "openai"])("%s language model against a local stub of its wire format", (wire) => {
  it("streams text, then a tool call whose arguments came in many deltas, then why it stopped", async () => {
    const { model } = await stubbed(wire, () => ({ frames: framesFor(wire, reply) }));
    const exit = await collect(model);
    expect(Exit.isSuccess(exit)).toBe(true);
    const events = Exit.isSuccess(exit) ? exit.value : [];
    const deltas = events.filter((event) => event.type === "tool_call_delta");
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((event) => event.argumentsJson).join("")).toBe(JSON.stringify({ cell_id: "c9", note: "ünïcode \"quoted\"" }));
    expect(events.filter((event) => event.type !== "tool_call_delta")).toEqual<ModelEvent[]>([
      { type: "text_delta", text: "Adding" },
      { type: "text_delta", text: " a cell " },
      { type: "text_delta", text: "✓" },
      { type: "tool_call_start", id: "toolu_7", name: "run_cell" },
      { type: "tool_call_end", id: "toolu_7" },
      { type: "stop", reason: "tool_use" },
    ]);
  });

  it("ends a plain answer with stop end_turn", async () => {
    const { model } = await stubbed(wire, () => ({ frames: framesFor(wire, { parts: [{ text: ["Done."] }], stop: "end_turn" }) }));
    const exit = await collect(model);
    expect(exit).toEqual(Exit.succeed([{ type: "text_delta", text: "Done." }, { type: "stop", reason: "end_turn" }]));
  });

  it("sends the model, the credentials, the tools and the conversation (tool calls and their results) in the provider's format", async () => {
    const { stub, model } = await stubbed(wire, () => ({ frames: framesFor(wire, { parts: [{ text: ["ok"] }], stop: "end_turn" }) }));
    await collect(model);
    const [sent] = stub.requests;
    expect(sent?.body).toMatchObject({ model: "stub-model", stream: true });
    if (wire === "anthropic") {
      expect(sent?.path).toBe("/v1/messages");
      expect(sent?.headers).toMatchObject({ "x-api-key": "test-key", "anthropic-version": "2023-06-01" });
      expect(sent?.body).toMatchObject({
        max_tokens: 1000,
        system: "You help.",
        tools: [{ name: "create_cell", description: "Add a cell", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: "Make x two" },
          { role: "assistant", content: [{ type: "text", text: "On it." }, { type: "tool_use", id: "call-1", name: "create_cell", input: { cell_type: "python", code: "x = 2" } }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "call-1", content: '{"status":"ok","cell_id":"c9"}' }] },
        ],
      });
    } else {
      expect(sent?.path).toBe("/v1/chat/completions");
      expect(sent?.headers).toMatchObject({ authorization: "Bearer test-key" });
      expect(sent?.body).toMatchObject({
        tools: [{ type: "function", function: { name: "create_cell", description: "Add a cell", parameters: { type: "object" } } }],
        messages: [
          { role: "system", content: "You help." },
          { role: "user", content: "Make x two" },
          { role: "assistant", content: "On it.", tool_calls: [{ id: "call-1", type: "function", function: { name: "create_cell", arguments: '{"cell_type":"python","code":"x = 2"}' } }] },
          { role: "tool", tool_call_id: "call-1", content: '{"status":"ok","cell_id":"c9"}' },
        ],
      });
    }
  });

  it("fails with the status and the provider's message when refused (429, 5xx)", async () => {
    const { model } = await stubbed(wire, (_request, n) =>
      n === 1 ? { status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "Slow down" } } } : { status: 503, body: "<html>upstream down</html>" },
    );
    expect(failureOf(await collect(model))).toBe(`The language model (${wire}) answered 429: Slow down`);
    const second = await collect(model);
    expect(failureOf(second)).toBe(`The language model (${wire}) answered 503: "<html>upstream down</html>"`);
    expect(Exit.isFailure(second) && Cause.squash(second.cause)).toMatchObject({ _tag: "LanguageModelFailure", status: 503 });
  });

  it("fails on a malformed stream: an event that is not JSON, or one that is not the format's", async () => {
    const good = framesFor(wire, reply).slice(0, 3);
    const { model } = await stubbed(wire, (_request, n) => ({ frames: [...good, n === 1 ? "data: {not json\n\n" : 'data: {"choices": "many", "type": "content_block_delta"}\n\n'] }));
    expect(failureOf(await collect(model))).toMatch(new RegExp(`^The language model \\(${wire}\\) sent a malformed stream: not JSON`));
    expect(failureOf(await collect(model))).toMatch(new RegExp(`^The language model \\(${wire}\\) sent a malformed stream: `));
  });

  it("fails when the stream ends before the format's end", async () => {
    const frames = framesFor(wire, reply);
    const { model } = await stubbed(wire, () => ({ frames: frames.slice(0, frames.length - 3) }));
    expect(failureOf(await collect(model))).toMatch(/malformed stream: the stream ended before/);
  });

  it("aborts the provider request when its stream is interrupted", async () => {
    const { stub, model } = await stubbed(wire, () => ({ frames: framesFor(wire, reply).slice(0, 4), hold: true }));
    const fiber = Effect.runFork(Stream.runForEach(model.stream(request), () => Effect.void));
    // Interrupt once the request is in and streaming (its first frames are written), then the stub must see it closed.
    await waitFor(() => stub.requests.length === 1);
    await Effect.runPromise(Fiber.interrupt(fiber));
    await stub.requests[0]!.aborted;
  });

  it("fails when the provider cannot be reached", async () => {
    const { stub, model } = await stubbed(wire, () => ({ status: 200, body: {} }));
    await stub.close();
    expect(failureOf(await collect(model))).toMatch(new RegExp(`^The language model \\(${wire}\\) could not be reached`));
  });
});

describe("anthropic language model: stream specifics", () => {
  it("fails with the message of an `error` event (an overloaded API says so mid-stream)", async () => {
    const overloaded = 'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n';
    const { model } = await stubbed("anthropic", () => ({ frames: [...framesFor("anthropic", reply).slice(0, 3), overloaded] }));
    expect(failureOf(await collect(model))).toBe("The language model (anthropic) failed: Overloaded");
  });

  it("skips event types and block kinds it does not know", async () => {
    const frames = framesFor("anthropic", { parts: [{ text: ["Hi"] }], stop: "end_turn" });
    const extra = [
      'event: future_event\ndata: {"type": "future_event", "x": 1}\n\n',
      'data: {"type": "content_block_start", "index": 5, "content_block": {"type": "thinking", "thinking": ""}}\n\n',
      'data: {"type": "content_block_delta", "index": 5, "delta": {"type": "thinking_delta", "thinking": "hmm"}}\n\n',
      'data: {"type": "content_block_stop", "index": 5}\n\n',
    ];
    const { model } = await stubbed("anthropic", () => ({ frames: [frames[0]!, ...extra, ...frames.slice(1)] }));
    expect(await collect(model)).toEqual(Exit.succeed([{ type: "text_delta", text: "Hi" }, { type: "stop", reason: "end_turn" }]));
  });
});

describe("openai language model: stream specifics", () => {
  it("takes a reply that said why it finished but had no [DONE], and fails with an error chunk", async () => {
    const frames = framesFor("openai", { parts: [{ text: ["Hi"] }], stop: "end_turn" });
    const { model } = await stubbed("openai", (_request, n) =>
      n === 1 ? { frames: frames.slice(0, -1) } : { frames: [frames[0]!, 'data: {"error": {"message": "model overloaded"}}\n\n'] },
    );
    expect(await collect(model)).toEqual(Exit.succeed([{ type: "text_delta", text: "Hi" }, { type: "stop", reason: "end_turn" }]));
    expect(failureOf(await collect(model))).toBe("The language model (openai) failed: model overloaded");
  });
});

/** Waits until `condition` holds, checking on each turn of the event loop (no clock involved). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
