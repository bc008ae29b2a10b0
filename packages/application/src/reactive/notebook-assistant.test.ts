import { Effect, Exit, Stream } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { NotFound } from "@parallax/domain";
import type { Notebook } from "@parallax/domain/notebook";
import { fixedClock, sequentialIds, strictFake } from "../testing/index.js";
import type { NotebookStore, StoredNotebook } from "../notebook/notebook-store.port.js";
import type { ChatEvent } from "./chat-events.js";
import type { Kernel, KernelCell, KernelEvent } from "./kernel.port.js";
import { ModelKernel } from "./kernel.testkit.js";
import { LanguageModelFailure, type LanguageModel, type ModelEvent, type ModelRequest } from "./language-model.port.js";
import { NotebookAssistant, conversation, type AssistantLimits, type ChatMessage } from "./notebook-assistant.js";
import { ReactiveNotebooks } from "./reactive-notebooks.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

/** Documents in a map; versions count writes. */
function memoryStore(): NotebookStore {
  const documents = new Map<string, StoredNotebook>();
  let writes = 0;
  return strictFake<NotebookStore>("NotebookStore", {
    get: (name) => Effect.suspend(() => {
      const stored = documents.get(name);
      return stored ? Effect.succeed({ ...stored, notebook: structuredClone(stored.notebook) }) : Effect.fail(new NotFound({ message: "Notebook not found" }));
    }),
    put: (name: string, notebook: Notebook) => Effect.sync(() => {
      const stored = { name, notebook: structuredClone(notebook), version: String(++writes) };
      documents.set(name, stored);
      return stored;
    }),
  });
}

/** A kernel whose cells containing `sleep` never finish (a run that outlasts `run_cell`'s wait). */
class SleepyKernel extends ModelKernel {
  override run(cell: KernelCell): Stream.Stream<KernelEvent> {
    return cell.code.includes("sleep") ? Stream.never : super.run(cell);
  }
}

/** A model that answers each call with what `script` returns for it; every request is kept. */
function scriptedModel(script: (request: ModelRequest, call: number) => Stream.Stream<ModelEvent, LanguageModelFailure>) {
  const requests: ModelRequest[] = [];
  const model: LanguageModel = { stream: (request) => Stream.suspend(() => script(request, requests.push(request))) };
  return { model, requests };
}

const opened: ReactiveNotebooks[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((notebooks) => run(notebooks.closeAll())));
});

/** A notebook `id-1` whose one cell `id-2` reads `x`, and an assistant on it. */
async function setup(model: LanguageModel, limits: AssistantLimits = {}, kernel: Kernel = new ModelKernel()) {
  const notebooks = new ReactiveNotebooks(memoryStore(), { create: () => kernel }, sequentialIds("id"), fixedClock());
  opened.push(notebooks);
  const notebookId = await run(notebooks.create("nb"));
  await run(notebooks.updateCell(notebookId, "id-2", "y = x + 1"));
  return { notebooks, notebookId, assistant: new NotebookAssistant(notebooks, model, limits) };
}

async function chat(assistant: NotebookAssistant, notebookId: string, messages: ChatMessage[] = [{ role: "user", content: "Make x two and run it" }]) {
  return run(Effect.flatMap(assistant.chat(notebookId, messages), Stream.runCollect));
}

const text = (...pieces: string[]): ModelEvent[] => pieces.map((piece) => ({ type: "text_delta", text: piece }));
/** A tool call whose arguments arrive in pieces of a few characters, as providers stream them. */
function toolCall(id: string, name: string, input: unknown): ModelEvent[] {
  const json = JSON.stringify(input);
  const pieces: ModelEvent[] = [];
  for (let at = 0; at < json.length; at += 5) pieces.push({ type: "tool_call_delta", id, argumentsJson: json.slice(at, at + 5) });
  return [{ type: "tool_call_start", id, name }, ...pieces, { type: "tool_call_end", id }];
}
const stop = (reason: "end_turn" | "tool_use"): ModelEvent => ({ type: "stop", reason });
const lastToolResult = (request: ModelRequest): Record<string, unknown> => {
  const last = request.turns.at(-1);
  if (last?.role !== "tool_results") throw new Error("expected tool results last");
  return JSON.parse(last.results.at(-1)!.content) as Record<string, unknown>;
};

describe("NotebookAssistant (§B chat)", () => {
  it("creates a cell, runs it and reports: the §B events in order, the tools acting on the notebook, their results given back to the model", async () => {
    const { model, requests } = scriptedModel((request, call) => {
      if (call === 1) return Stream.fromIterable([...text("I'll add ", "a cell."), ...toolCall("call-1", "create_cell", { cell_type: "python", code: "x = 2" }), stop("tool_use")]);
      if (call === 2) return Stream.fromIterable([...toolCall("call-2", "run_cell", { cell_id: lastToolResult(request)["cell_id"] }), stop("tool_use")]);
      return Stream.fromIterable([...text("x is 2 and y ran too."), stop("end_turn")]);
    });
    const { notebooks, notebookId, assistant } = await setup(model);
    const events = await chat(assistant, notebookId);

    const runResult = events.flatMap((event) => (event.event === "tool_result" ? [event.data.result] : []))[1];
    expect(events).toEqual<ChatEvent[]>([
      { event: "turn_start", data: { turn: 1, max_turns: 10 } },
      { event: "text_start", data: {} },
      { event: "text_delta", data: { text: "I'll add " } },
      { event: "text_delta", data: { text: "a cell." } },
      { event: "content_block_stop", data: {} },
      { event: "tool_start", data: { tool_id: "call-1", tool_name: "create_cell" } },
      { event: "content_block_stop", data: {} },
      { event: "tool_execute", data: { tool_name: "create_cell", tool_input: { cell_type: "python", code: "x = 2" } } },
      { event: "tool_result", data: { tool_name: "create_cell", result: { status: "ok", cell_id: "id-3", index: 1 } } },
      { event: "turn_start", data: { turn: 2, max_turns: 10 } },
      { event: "tool_start", data: { tool_id: "call-2", tool_name: "run_cell" } },
      { event: "content_block_stop", data: {} },
      { event: "tool_execute", data: { tool_name: "run_cell", tool_input: { cell_id: "id-3" } } },
      { event: "tool_result", data: { tool_name: "run_cell", result: runResult } },
      { event: "turn_start", data: { turn: 3, max_turns: 10 } },
      { event: "text_start", data: {} },
      { event: "text_delta", data: { text: "x is 2 and y ran too." } },
      { event: "content_block_stop", data: {} },
      { event: "done", data: {} },
    ]);
    // run_cell reports the cell and every cell the reactive run touched (its dependent `y`).
    expect(runResult).toMatchObject({
      cell_id: "id-3",
      status: "success",
      stdout: "ran id-3\n",
      error: null,
      cells_run: expect.arrayContaining([
        { cell_id: "id-3", status: "success", error: null },
        { cell_id: "id-2", status: "success", error: null },
      ]),
    });
    const cells = (await run(notebooks.get(notebookId))).cells;
    expect(cells.map((cell) => [cell.id, cell.code, cell.status])).toEqual([
      ["id-2", "y = x + 1", "success"],
      ["id-3", "x = 2", "success"],
    ]);
    // Each turn sends the conversation so far: the assistant's reply with its calls, then their results.
    expect(requests[2]!.turns.map((turn) => turn.role)).toEqual(["user", "assistant", "tool_results", "assistant", "tool_results"]);
    expect(requests[1]!.turns[1]).toEqual({ role: "assistant", text: "I'll add a cell.", toolCalls: [{ id: "call-1", name: "create_cell", input: { cell_type: "python", code: "x = 2" } }] });
    expect(requests[0]!.tools.map((tool) => tool.name)).toEqual(["get_notebook_state", "update_cell", "create_cell", "run_cell", "delete_cell"]);
    expect(requests[0]!.tools[2]!.inputSchema).toMatchObject({ type: "object", required: ["cell_type", "code"], properties: { cell_type: { enum: ["python", "sql", "javascript"] } } });
  });

  it("answers the other tools through the notebook's use cases, and a tool's failure is a result the model reads", async () => {
    const calls: Array<[string, unknown]> = [
      ["get_notebook_state", {}],
      ["update_cell", { cell_id: "id-2", code: "y = 3" }],
      ["create_cell", { cell_type: "sql", code: "select 1", index: 0 }],
      ["delete_cell", { cell_id: "id-2" }],
      ["update_cell", { cell_id: "no-such-cell", code: "" }],
      ["create_cell", { cell_type: "ruby", code: "" }],
      ["launch_rockets", {}],
    ];
    const { model } = scriptedModel((_request, call) =>
      call <= calls.length ? Stream.fromIterable([...toolCall(`call-${call}`, ...calls[call - 1]!), stop("tool_use")]) : Stream.fromIterable([stop("end_turn")]),
    );
    const { notebooks, notebookId, assistant } = await setup(model);
    const events = await chat(assistant, notebookId);
    const results = events.flatMap((event) => (event.event === "tool_result" ? [event.data.result] : []));
    expect(results[0]).toEqual({
      notebook_id: "id-1",
      name: "nb",
      cells: [{ id: "id-2", index: 0, type: "python", code: "y = x + 1", status: "idle", reads: ["x"], writes: ["y"], error: null, stdout: "" }],
    });
    expect(results.slice(1, 4)).toEqual([
      { status: "ok", cell_id: "id-2" },
      { status: "ok", cell_id: "id-3", index: 0 },
      { status: "ok", cell_id: "id-2" },
    ]);
    expect(results[4]).toEqual({ error: "Cell not found" });
    expect(String((results[5] as { error: string }).error)).toMatch(/^Invalid input for create_cell: .*cell_type/s);
    expect(String((results[6] as { error: string }).error)).toMatch(/^Unknown tool launch_rockets/);
    expect(events.at(-1)).toEqual({ event: "done", data: {} });
    expect((await run(notebooks.get(notebookId))).cells.map((cell) => [cell.id, cell.type, cell.code])).toEqual([["id-3", "sql", "select 1"]]);
  });

  it("answers `timeout` when the run outlasts run_cell's wait (the run goes on)", async () => {
    const { model } = scriptedModel((_request, call) =>
      call === 1 ? Stream.fromIterable([...toolCall("call-1", "run_cell", { cell_id: "id-2" }), stop("tool_use")]) : Stream.fromIterable([stop("end_turn")]),
    );
    const { notebooks, notebookId, assistant } = await setup(model, { runWait: 0 }, new SleepyKernel());
    await run(notebooks.updateCell(notebookId, "id-2", "sleep(60)"));
    const events = await chat(assistant, notebookId);
    expect(events.find((event) => event.event === "tool_result")?.data).toMatchObject({ tool_name: "run_cell", result: { cell_id: "id-2", status: "timeout" } });
  });

  it("ends with an `error` event when the model fails mid-reply, closing the open text block first", async () => {
    const { model } = scriptedModel(() =>
      Stream.concat(Stream.fromIterable(text("Let me")), Stream.fail(new LanguageModelFailure({ message: "The language model's stream was malformed" }))),
    );
    const { notebookId, assistant } = await setup(model);
    expect(await chat(assistant, notebookId)).toEqual<ChatEvent[]>([
      { event: "turn_start", data: { turn: 1, max_turns: 10 } },
      { event: "text_start", data: {} },
      { event: "text_delta", data: { text: "Let me" } },
      { event: "content_block_stop", data: {} },
      { event: "error", data: { error: "The language model's stream was malformed" } },
    ]);
  });

  it("stops after max_turns model calls when the model keeps asking for tools", async () => {
    const { model, requests } = scriptedModel((_request, call) => Stream.fromIterable([...toolCall(`call-${call}`, "get_notebook_state", {}), stop("tool_use")]));
    const { notebookId, assistant } = await setup(model, { maxTurns: 3 });
    const events = await chat(assistant, notebookId);
    expect(requests).toHaveLength(3);
    expect(events.filter((event) => event.event === "turn_start").map((event) => event.data)).toEqual([1, 2, 3].map((turn) => ({ turn, max_turns: 3 })));
    expect(events.filter((event) => event.event === "tool_execute")).toHaveLength(2);
    expect(events.at(-1)).toEqual({ event: "error", data: { error: expect.stringMatching(/^Stopped after 3 turns/) } });
  });

  it("hands arguments that are not JSON to the tool's schema, which refuses them", async () => {
    const { model } = scriptedModel((_request, call) =>
      call === 1
        ? Stream.fromIterable<ModelEvent>([{ type: "tool_call_start", id: "c", name: "run_cell" }, { type: "tool_call_delta", id: "c", argumentsJson: '{"cell_id": ' }, { type: "tool_call_end", id: "c" }, stop("tool_use")])
        : Stream.fromIterable([stop("end_turn")]),
    );
    const { notebookId, assistant } = await setup(model);
    const events = await chat(assistant, notebookId);
    expect(events.find((event) => event.event === "tool_execute")?.data).toEqual({ tool_name: "run_cell", tool_input: '{"cell_id": ' });
    expect(events.find((event) => event.event === "tool_result")?.data).toMatchObject({ result: { error: expect.stringMatching(/^Invalid input for run_cell/) } });
  });

  it("fails with NotFound for an unknown notebook before any event", async () => {
    const { model } = scriptedModel(() => Stream.fromIterable([stop("end_turn")]));
    const { assistant } = await setup(model);
    const exit = await Effect.runPromiseExit(assistant.chat("no-such-notebook", [{ role: "user", content: "hi" }]));
    expect(exit).toEqual(Exit.fail(new NotFound({ message: expect.any(String) as unknown as string })));
  });

  it("answers a history with nothing from the user with an `error` event, without calling the model", async () => {
    const { model, requests } = scriptedModel(() => Stream.fromIterable([stop("end_turn")]));
    const { notebookId, assistant } = await setup(model);
    expect(await chat(assistant, notebookId, [{ role: "assistant", content: "Hi!" }, { role: "user", content: "  " }])).toEqual([
      { event: "error", data: { error: "The conversation has no message from the user to answer." } },
    ]);
    expect(requests).toEqual([]);
  });
});

describe("conversation: the editor's history as providers take it", () => {
  it("drops empty messages and the greeting, joins consecutive turns of a role, ends with the user", () => {
    expect(
      conversation([
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: "Plot x" },
        { role: "assistant", content: "" },
        { role: "assistant", content: "Done." },
        { role: "assistant", content: "Anything else?" },
        { role: "user", content: "Thanks" },
        { role: "user", content: "Now y" },
        { role: "assistant", content: "On it" },
      ]),
    ).toEqual([
      { role: "user", text: "Plot x" },
      { role: "assistant", text: "Done.\n\nAnything else?", toolCalls: [] },
      { role: "user", text: "Thanks\n\nNow y" },
    ]);
  });
});
