import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import {
  framesFor,
  startProviderStub,
  type ProviderStub,
  type ProviderWire,
  type ScriptedReply,
  type StubAnswer,
  type StubRequest,
} from "../../../../packages/adapters/src/assistant/provider-stubs.testkit.js";

/**
 * §B chat end to end, once per provider: the host configured with `LLM_PROVIDER` and an
 * `LLM_BASE_URL` that points at a local stub speaking that provider's streaming format. The
 * stub plays a scripted model (what it answers depends on the user's message and on the tool
 * results the host sent back), and the chat's answer is read as the React editor reads it.
 */

/** The user's message picks the script. */
const SCRIPTS = {
  create_and_run: "Add a cell computing 6 * 7 and run it",
  malformed: "Say something malformed",
  refused: "Are you busy?",
  hold: "Think slowly",
} as const;

const created: ScriptedReply = {
  parts: [{ text: ["I'll add ", "a cell."] }, { toolCall: { id: "call_create", name: "create_cell", input: { cell_type: "javascript", code: "const answer = 6 * 7;\nanswer" } } }],
  stop: "tool_use",
};
const reported: ScriptedReply = { parts: [{ text: ["The answer is ", "42."] }], stop: "end_turn" };

/** The text of the last tool result the host sent, in the provider's format. */
function lastToolResult(wire: ProviderWire, body: Record<string, unknown>): Record<string, unknown> {
  const messages = body["messages"] as Array<{ content: unknown }>;
  const last = messages.at(-1)!;
  const text = wire === "anthropic" ? (last.content as Array<{ content: string }>).at(-1)!.content : String(last.content);
  return JSON.parse(text) as Record<string, unknown>;
}

function firstUserText(wire: ProviderWire, body: Record<string, unknown>): string {
  const messages = body["messages"] as Array<{ role: string; content: unknown }>;
  return String(messages.find((message) => message.role === "user")?.content);
}

/** The reply's frames up to and including its first text delta. */
function untilFirstText(wire: ProviderWire, reply: ScriptedReply): string[] {
  return framesFor(wire, reply).slice(0, wire === "anthropic" ? 4 : 2);
}

function script(wire: ProviderWire) {
  return (request: StubRequest): StubAnswer => {
    const messages = request.body["messages"] as unknown[];
    const turn = wire === "anthropic" ? (messages.length + 1) / 2 : messages.length / 2;
    switch (firstUserText(wire, request.body)) {
      case SCRIPTS.create_and_run:
        if (turn === 1) return { frames: framesFor(wire, created) };
        if (turn === 2) {
          const cellId = lastToolResult(wire, request.body)["cell_id"];
          return { frames: framesFor(wire, { parts: [{ toolCall: { id: "call_run", name: "run_cell", input: { cell_id: cellId } } }], stop: "tool_use" }) };
        }
        return { frames: framesFor(wire, reported) };
      case SCRIPTS.malformed:
        return { frames: [...untilFirstText(wire, reported), "data: {\"type\": \"content_block_delta\", \"choices\": [{\"delta\": \n\n"] };
      case SCRIPTS.refused:
        return { status: 429, body: { error: { type: "rate_limit_error", message: "Rate limit reached, retry later" } } };
      default:
        return { frames: untilFirstText(wire, reported), hold: true };
    }
  };
}

/** The chat's answer as the editor reads it: `data: ` lines, each one JSON event. */
function eventsOf(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as { event: string; data: Record<string, unknown> });
}

describe.each<ProviderWire>(["anthropic", "openai"])("the notebook assistant with a %s stub", (wire) => {
  let stub: ProviderStub;
  let host: Host;
  let notebookId: string;

  beforeAll(async () => {
    stub = await startProviderStub(script(wire));
    host = await startTestHost({
      STORAGE: "memory",
      WORKER: "off",
      LLM_PROVIDER: wire,
      LLM_MODEL: "stub-model",
      LLM_API_KEY: "test-key",
      LLM_BASE_URL: wire === "anthropic" ? stub.url : `${stub.url}/v1`,
    });
    const answer = await fetch(`${host.url()}/api/v1/notebooks/`, { method: "POST" });
    notebookId = String(((await answer.json()) as { notebook_id: string }).notebook_id);
  });
  afterAll(async () => {
    await host?.close();
    await stub?.close();
  });

  const chat = (message: string, path = `/api/chat/${notebookId}`, init: RequestInit = {}) =>
    fetch(`${host.url()}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // The editor's history: its greeting first.
      body: JSON.stringify({ messages: [{ role: "assistant", content: "Hi! How can I help?" }, { role: "user", content: message }] }),
      ...init,
    });

  it("creates a cell, runs it and reports: the §B events in order, and the cell exists afterwards", async () => {
    const answer = await chat(SCRIPTS.create_and_run);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await answer.text();
    // One compact JSON per `data: ` line, each followed by a blank line.
    expect(text.split("\n\n").filter(Boolean).every((frame) => /^data: \{.*\}$/.test(frame))).toBe(true);
    const events = eventsOf(text);
    const results = events.filter((event) => event.event === "tool_result").map((event) => event.data["result"] as Record<string, unknown>);
    const cellId = String(results[0]?.["cell_id"]);
    expect(events).toEqual([
      { event: "turn_start", data: { turn: 1, max_turns: 10 } },
      { event: "text_start", data: {} },
      { event: "text_delta", data: { text: "I'll add " } },
      { event: "text_delta", data: { text: "a cell." } },
      { event: "content_block_stop", data: {} },
      { event: "tool_start", data: { tool_id: "call_create", tool_name: "create_cell" } },
      { event: "content_block_stop", data: {} },
      { event: "tool_execute", data: { tool_name: "create_cell", tool_input: { cell_type: "javascript", code: "const answer = 6 * 7;\nanswer" } } },
      { event: "tool_result", data: { tool_name: "create_cell", result: { status: "ok", cell_id: cellId, index: 1 } } },
      { event: "turn_start", data: { turn: 2, max_turns: 10 } },
      { event: "tool_start", data: { tool_id: "call_run", tool_name: "run_cell" } },
      { event: "content_block_stop", data: {} },
      { event: "tool_execute", data: { tool_name: "run_cell", tool_input: { cell_id: cellId } } },
      { event: "tool_result", data: { tool_name: "run_cell", result: expect.objectContaining({ cell_id: cellId, status: "success", cells_run: [{ cell_id: cellId, status: "success", error: null }] }) } },
      { event: "turn_start", data: { turn: 3, max_turns: 10 } },
      { event: "text_start", data: {} },
      { event: "text_delta", data: { text: "The answer is " } },
      { event: "text_delta", data: { text: "42." } },
      { event: "content_block_stop", data: {} },
      { event: "done", data: {} },
    ]);
    expect(JSON.stringify(results[1]?.["outputs"])).toContain("42");

    const notebook = (await (await fetch(`${host.url()}/api/v1/notebooks/${notebookId}`)).json()) as { cells: Array<{ id: string; type: string; code: string; status: string }> };
    expect(notebook.cells.find((cell) => cell.id === cellId)).toMatchObject({ type: "javascript", code: "const answer = 6 * 7;\nanswer", status: "success" });
    // The model was sent the run's result; the key went only in the provider's header.
    const sent = stub.requests.filter((request) => firstUserText(wire, request.body) === SCRIPTS.create_and_run);
    expect(sent).toHaveLength(3);
    expect(lastToolResult(wire, sent[2]!.body)).toMatchObject({ cell_id: cellId, status: "success" });
    expect(wire === "anthropic" ? sent[0]!.headers["x-api-key"] : sent[0]!.headers["authorization"]).toMatch(/test-key/);
  });

  it("ends a malformed provider stream with an `error` event", async () => {
    const events = eventsOf(await (await chat(SCRIPTS.malformed, `/api/v1/chat/chat/${notebookId}`)).text());
    expect(events.map((event) => event.event)).toEqual(["turn_start", "text_start", "text_delta", "content_block_stop", "error"]);
    expect(events.at(-1)?.data["error"]).toMatch(new RegExp(`^The language model \\(${wire}\\) sent a malformed stream`));
  });

  it("turns a provider's refusal (429) into an `error` event with its message", async () => {
    const events = eventsOf(await (await chat(SCRIPTS.refused)).text());
    expect(events).toEqual([
      { event: "turn_start", data: { turn: 1, max_turns: 10 } },
      { event: "error", data: { error: `The language model (${wire}) answered 429: Rate limit reached, retry later` } },
    ]);
  });

  it("aborts the provider request when the client disconnects", async () => {
    const disconnect = new AbortController();
    const answer = await chat(SCRIPTS.hold, `/api/chat/${notebookId}`, { signal: disconnect.signal });
    const reader = answer.body!.getReader();
    let received = "";
    while (!received.includes('"text_delta"')) received += new TextDecoder().decode((await reader.read()).value);
    const held = stub.requests.at(-1)!;
    expect(firstUserText(wire, held.body)).toBe(SCRIPTS.hold);
    disconnect.abort();
    await held.aborted;
  });

  it("answers 404 for an unknown notebook, 422 for a malformed body", async () => {
    const missing = await chat(SCRIPTS.create_and_run, "/api/chat/no-such-notebook");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Notebook not found" });
    const malformed = await fetch(`${host.url()}/api/chat/${notebookId}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"messages": "hi"}' });
    expect(malformed.status).toBe(422);
  });
});
