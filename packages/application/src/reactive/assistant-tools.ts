import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { z } from "zod";
import { CELL_LANGUAGES, type CellOutput, type ReactiveCell } from "@parallax/domain/reactive";
import type { ToolDefinition } from "./language-model.port.js";
import type { ReactiveNotebooks } from "./reactive-notebooks.js";

/**
 * The assistant's five tools (CONTRACTS.md §B): each input schema is zod, parsed before the tool
 * acts, and is also what the model is shown (as JSON Schema). Every tool acts through
 * `ReactiveNotebooks`, the use cases behind the HTTP routes, so whatever guards those routes
 * guards the assistant too, and the editor hears the assistant's edits as broadcasts.
 */
const toolInputs = {
  get_notebook_state: z.object({
    include_outputs: z.boolean().optional().describe("Include each cell's outputs (text shortened, pictures named only). Default false."),
    cell_ids: z.array(z.string()).optional().describe("Only these cells. Default: every cell."),
  }),
  update_cell: z.object({
    cell_id: z.string().describe("The id of the cell to change."),
    code: z.string().describe("The cell's whole new code."),
  }),
  create_cell: z.object({
    cell_type: z.enum(CELL_LANGUAGES as ["python", "sql", "javascript"]).describe("The cell's language."),
    code: z.string().describe("The new cell's code."),
    index: z.number().int().min(0).optional().describe("Where the cell goes (0 is first). Default: at the end."),
  }),
  run_cell: z.object({ cell_id: z.string().describe("The id of the cell to run.") }),
  delete_cell: z.object({ cell_id: z.string().describe("The id of the cell to delete.") }),
} as const;

export type ToolName = keyof typeof toolInputs;
type ToolInput<K extends ToolName> = z.infer<(typeof toolInputs)[K]>;
const inputSchemas: { readonly [K in ToolName]: z.ZodType<ToolInput<K>> } = toolInputs;

const descriptions: Record<ToolName, string> = {
  get_notebook_state:
    "Read the notebook: every cell's id, position, type, code, status, the names it reads and writes, its error and its printed output. Call it first: cell ids are stable and the other tools take them.",
  update_cell: "Replace a cell's code. Cells that depend on it become stale until they run again.",
  create_cell: "Add a cell (python, sql or javascript). Answers the new cell's id. It does not run it.",
  run_cell:
    "Run a cell and, reactively, every cell that depends on it. Waits up to 30 s and answers the cell's status (success, error, blocked or timeout), its output and every cell the run touched.",
  delete_cell: "Delete a cell; the names it defined leave the kernel.",
};

/** The tools as the model is shown them. */
export const assistantTools: readonly ToolDefinition[] = (Object.keys(toolInputs) as ToolName[]).map((name) => {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(toolInputs[name]) as Record<string, unknown>;
  return { name, description: descriptions[name], inputSchema };
});

const TEXT_LIMIT = 4_000;

function shortened(text: string): string {
  return text.length <= TEXT_LIMIT ? text : `${text.slice(0, TEXT_LIMIT)}… [${text.length - TEXT_LIMIT} more characters]`;
}

/** Text the model can read; pictures and rich documents only by their kind (base64 would fill its context). */
function outputForModel(output: CellOutput): { mime_type: string; data: string } {
  const { mime_type, data } = output;
  if (mime_type === "text/plain" || mime_type === "application/json") {
    return { mime_type, data: shortened(typeof data === "string" ? data : JSON.stringify(data)) };
  }
  return { mime_type, data: `[${mime_type} output not shown]` };
}

function cellForModel(cell: ReactiveCell, index: number, includeOutputs: boolean) {
  return {
    id: cell.id,
    index,
    type: cell.type,
    code: cell.code,
    status: cell.status,
    reads: cell.reads,
    writes: cell.writes,
    error: cell.error,
    stdout: shortened(cell.stdout),
    ...(includeOutputs ? { outputs: cell.outputs.map(outputForModel) } : {}),
  };
}

export interface ToolOptions {
  /** How long `run_cell` waits for the run (§B: 30 s) before answering `timeout`. */
  readonly runWait: Duration.Input;
}

/**
 * The tools of one notebook. A tool's failure (bad input, an unknown cell, a storage error) is
 * its result `{error}`, for the model to read and recover from; it never ends the chat.
 */
export class AssistantTools {
  constructor(
    private readonly notebooks: ReactiveNotebooks,
    private readonly notebookId: string,
    private readonly options: ToolOptions,
  ) {}

  execute(name: string, input: unknown): Effect.Effect<unknown> {
    const result = isToolName(name)
      ? this.call(name, input)
      : Effect.succeed({ error: `Unknown tool ${name}. The tools are: ${Object.keys(toolInputs).join(", ")}.` });
    return Effect.catch(result, (failure) => Effect.succeed({ error: failure.message }));
  }

  private call<K extends ToolName>(name: K, input: unknown): Effect.Effect<unknown, { readonly message: string }> {
    const parsed = inputSchemas[name].safeParse(input);
    if (!parsed.success) return Effect.succeed({ error: `Invalid input for ${name}: ${z.prettifyError(parsed.error)}` });
    return Effect.suspend(() => this.handlers[name](parsed.data));
  }

  private readonly handlers: { [K in ToolName]: (input: ToolInput<K>) => Effect.Effect<unknown, { readonly message: string }> } = {
    get_notebook_state: ({ include_outputs = false, cell_ids }) =>
      Effect.map(this.notebooks.get(this.notebookId), (notebook) => ({
        notebook_id: notebook.id,
        name: notebook.name,
        cells: notebook.cells
          .map((cell, index) => cellForModel(cell, index, include_outputs))
          .filter((cell) => cell_ids === undefined || cell_ids.includes(cell.id)),
      })),
    update_cell: ({ cell_id, code }) => Effect.as(this.notebooks.updateCell(this.notebookId, cell_id, code), { status: "ok", cell_id }),
    create_cell: ({ cell_type, code, index }) =>
      Effect.gen({ self: this }, function* () {
        const cell = yield* this.notebooks.addCell(this.notebookId, cell_type, index, code);
        const cells = (yield* this.notebooks.get(this.notebookId)).cells;
        return { status: "ok", cell_id: cell.id, index: cells.findIndex((other) => other.id === cell.id) };
      }),
    run_cell: ({ cell_id }) => this.run(cell_id),
    delete_cell: ({ cell_id }) => Effect.as(this.notebooks.deleteCell(this.notebookId, cell_id), { status: "ok", cell_id }),
  };

  /**
   * Runs the cell and waits (up to `runWait`) until the notebook is idle again. The cells the run
   * touched are those the session announced a status for while it ran (the cell, the dependents
   * it re-ran or blocked, stale ancestors it ran first), reported with their final state.
   */
  private run(cellId: string): Effect.Effect<unknown, { readonly message: string }> {
    const id = this.notebookId;
    return Effect.scoped(
      Effect.gen({ self: this }, function* () {
        const touched = new Set<string>([cellId]);
        const events = yield* this.notebooks.events(id);
        yield* Effect.forkScoped(
          Stream.runForEach(events, (event) => Effect.sync(() => void (event.type === "cell_status" && touched.add(event.cellId)))),
        );
        yield* this.notebooks.runCell(id, cellId);
        const finished = yield* Effect.timeoutOption(this.notebooks.idle(id), this.options.runWait);
        // The subscriber fiber is woken by the last publications; let it take them before reading the set.
        yield* Effect.yieldNow;
        const cells = (yield* this.notebooks.get(id)).cells;
        const byId = new Map(cells.map((cell, index) => [cell.id, cellForModel(cell, index, true)]));
        const cell = byId.get(cellId);
        const status = Option.isNone(finished) ? "timeout" : (cell?.status ?? "deleted");
        const cellsRun = [...touched].flatMap((touchedId) => {
          const seen = byId.get(touchedId);
          return seen ? [{ cell_id: touchedId, status: seen.status, error: seen.error }] : [];
        });
        return { cell_id: cellId, status, stdout: cell?.stdout ?? "", error: cell?.error ?? null, outputs: cell?.outputs ?? [], cells_run: cellsRun };
      }),
    );
  }
}

function isToolName(name: string): name is ToolName {
  return Object.hasOwn(toolInputs, name);
}
