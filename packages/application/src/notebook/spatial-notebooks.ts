import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import { Conflict, DEFAULT_MAX_JSON_DEPTH, InvalidInput, NotFound, jsonDepthExceeds, mayAccess, type StorageFailure, type Viewer } from "@parallax/domain";
import {
  cellsNeedingCharts,
  cellsToRun,
  chartsByCellKey,
  extractCharts,
  extractOutputs,
  notebookOwner,
  parseNotebookName,
  placeAllCells,
  placeCell,
  readNotebook,
  withGeneratedCharts,
  withOwner,
  type Chart,
  type ExtractedOutput,
  type Notebook,
  type SpatialPlacement,
} from "@parallax/domain/notebook";
import type { Clock } from "../shared/clock.port.js";
import type { IdGenerator } from "../shared/id-generator.port.js";
import type { NotebookExecutor } from "./notebook-executor.port.js";
import type { NotebookReexecutor, ReexecutionReport } from "./notebook-reexecutor.port.js";
import type { NotebookStore, StoredNotebook } from "./notebook-store.port.js";
import { updateNotebook } from "./update-notebook.js";

export interface ProcessReport {
  validation: { success: boolean; errors: string[] } & Partial<ReexecutionReport>;
  outputs: ExtractedOutput[];
  total_outputs: number;
  charts: Chart[];
  total_charts: number;
}

type StoreError = NotFound | StorageFailure | Conflict;

export interface SpatialNotebookLimits {
  /** Deepest nesting accepted in an uploaded notebook (`MAX_JSON_DEPTH`). */
  readonly maxJsonDepth?: number;
}

const notFound = () => new NotFound({ message: "Notebook not found" });

/**
 * The spatial-notebook use cases (CONTRACTS.md §A): import and list notebooks, extract their
 * charts and outputs, and place cells in 3-D space for a visionOS client.
 *
 * With a `Viewer`, a user sees and changes only the notebooks they uploaded (an administrator:
 * all); another user's notebook is "Notebook not found" as a missing one is. Notebooks stored
 * before owners were kept are the local user's. Without one (library callers), every notebook.
 */
export class SpatialNotebooks {
  constructor(
    private readonly store: NotebookStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly reexecutor?: NotebookReexecutor,
    private readonly limits: SpatialNotebookLimits = {},
    /** Makes the charts of matplotlib cells stored without them; absent, only stored images are answered. */
    private readonly executor?: NotebookExecutor,
  ) {}

  list(viewer?: Viewer): Effect.Effect<readonly string[], StorageFailure> {
    if (viewer === undefined || viewer.admin) return this.store.list();
    return Effect.map(this.store.listSummaries(), (summaries) => summaries.filter((summary) => mayAccess(notebookOwner(summary.metadata), viewer)).map((summary) => summary.name));
  }

  get(rawName: string, viewer?: Viewer): Effect.Effect<StoredNotebook, InvalidInput | NotFound | StorageFailure> {
    return Effect.flatMap(nameOf(rawName), (name) =>
      Effect.flatMap(this.store.get(name), (stored) => (visibleTo(stored.notebook, viewer) ? Effect.succeed(stored) : Effect.fail(notFound()))),
    );
  }

  /**
   * The stored document as written (nbformat's layout: indent 1, trailing newline), with its
   * version (an ETag). The owner check reads the metadata the store keeps with the bytes, so
   * serving them costs no parse of the document and no listing.
   */
  read(rawName: string, viewer?: Viewer): Effect.Effect<{ name: string; bytes: Uint8Array; version: string }, InvalidInput | NotFound | StorageFailure> {
    return Effect.flatMap(nameOf(rawName), (name) =>
      Effect.flatMap(this.store.readBytes(name), (stored) =>
        viewer === undefined || viewer.admin || mayAccess(notebookOwner(stored.metadata), viewer)
          ? Effect.succeed({ name, bytes: stored.bytes, version: stored.version })
          : Effect.fail(notFound()),
      ),
    );
  }

  /**
   * §A `/convert`: read an upload, make the charts its matplotlib cells lack by running it (where
   * an executor is bound), store it as `<name>.ipynb` with those outputs written in, and answer its
   * charts keyed by cell; `generated` names the keys that came from execution. With a `viewer`,
   * the notebook is recorded as theirs, and a name another user's notebook holds is a Conflict
   * (names are shared by everyone: it is not overwritten).
   */
  convert(
    rawName: string,
    upload: { filename: string; bytes: Uint8Array },
    viewer?: Viewer,
  ): Effect.Effect<{ stored: StoredNotebook; charts: Record<string, string[]>; generated: string[] }, InvalidInput | StoreError> {
    return Effect.gen({ self: this }, function* () {
      if (upload.filename.trim() === "") return yield* Effect.fail(new InvalidInput({ message: "No file selected" }));
      if (!upload.filename.toLowerCase().endsWith(".ipynb")) return yield* Effect.fail(new InvalidInput({ message: "Invalid file type" }));
      const name = yield* nameOf(rawName);
      if (viewer !== undefined && !viewer.admin) {
        const taken = (yield* this.store.listSummaries()).find((summary) => summary.name === name);
        if (taken && !mayAccess(notebookOwner(taken.metadata), viewer)) return yield* Effect.fail(new Conflict({ message: "This notebook name is taken: choose another" }));
      }
      const read = yield* this.parseUpload(upload.bytes);
      const { notebook, generated } = yield* this.generateCharts(read);
      const owned = viewer === undefined ? notebook : withOwner(notebook, viewer.userId);
      const stored = yield* this.store.put(name, this.stamp(owned, "imported_at"));
      return { stored, charts: chartsByCellKey(extractCharts(stored.notebook)), generated };
    });
  }

  /** §A `/process_notebook`: validation (and re-execution where a kernel exists), outputs and charts. */
  process(bytes: Uint8Array): Effect.Effect<ProcessReport, InvalidInput> {
    return Effect.gen({ self: this }, function* () {
      const document = yield* parseJson(bytes, this.limits.maxJsonDepth);
      const reading = readNotebook(document, () => this.ids.next());
      if (Result.isFailure(reading)) {
        return { validation: { success: false, errors: [...reading.failure] }, outputs: [], total_outputs: 0, charts: [], total_charts: 0 };
      }
      const { notebook, schemaErrors } = reading.success;
      // What nbformat reads it reports on, as the old server did: schema errors left after nbformat's own repairs.
      const errors = [...schemaErrors];
      const outputs = extractOutputs(notebook);
      const charts = extractCharts(notebook);
      let validation: ProcessReport["validation"] = { success: errors.length === 0, errors };
      const report = this.reexecutor ? yield* this.reexecutor.reexecute(notebook) : undefined;
      if (report) validation = { ...report, errors, success: report.success && errors.length === 0 };
      return { validation, outputs, total_outputs: outputs.length, charts, total_charts: charts.length };
    });
  }

  /** The placement arrives parsed (`spatialPlacementBody` at the edge). */
  placeCell(rawName: string, index: number, placement: SpatialPlacement, viewer?: Viewer): Effect.Effect<SpatialPlacement, InvalidInput | StoreError> {
    return Effect.gen({ self: this }, function* () {
      const name = yield* nameOf(rawName);
      yield* updateNotebook(this.store, name, (notebook) => {
        if (!visibleTo(notebook, viewer)) return Effect.fail(notFound());
        const placed = placeCell(notebook, index, placement);
        if (!placed) return Effect.fail(new NotFound({ message: `Cell index ${index} out of range (notebook has ${notebook.cells.length} cells)` }));
        return Effect.succeed({ notebook: this.stamp(placed, "spatial_updated_at"), result: undefined });
      });
      return placement;
    });
  }

  placeAllCells(rawName: string, placement: SpatialPlacement, viewer?: Viewer): Effect.Effect<{ placement: SpatialPlacement; totalCells: number }, InvalidInput | StoreError> {
    return Effect.gen({ self: this }, function* () {
      const name = yield* nameOf(rawName);
      const { result } = yield* updateNotebook(this.store, name, (notebook) =>
        visibleTo(notebook, viewer)
          ? Effect.succeed({ notebook: this.stamp(placeAllCells(notebook, placement), "spatial_updated_at"), result: notebook.cells.length })
          : Effect.fail(notFound()),
      );
      return { placement, totalCells: result };
    });
  }

  /** Reads an uploaded document as nbformat.read does (repairs included) into the stored 4.5 form. */
  parseUpload(bytes: Uint8Array): Effect.Effect<Notebook, InvalidInput> {
    return Effect.flatMap(parseJson(bytes, this.limits.maxJsonDepth), (document) => {
      const reading = readNotebook(document, () => this.ids.next());
      if (Result.isFailure(reading)) return Effect.fail(new InvalidInput({ message: `Invalid notebook: ${reading.failure.slice(0, 5).join("; ")}` }));
      return Effect.succeed(reading.success.notebook);
    });
  }

  private generateCharts(notebook: Notebook): Effect.Effect<{ notebook: Notebook; generated: string[] }> {
    const needing = cellsNeedingCharts(notebook);
    if (!this.executor || needing.length === 0) return Effect.succeed({ notebook, generated: [] });
    return Effect.map(this.executor.execute(cellsToRun(notebook, needing)), (runs) => (runs ? withGeneratedCharts(notebook, needing, runs) : { notebook, generated: [] }));
  }

  private stamp(notebook: Notebook, field: string): Notebook {
    const existing = notebook.metadata["parallax"];
    const parallax = existing && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
    return { ...notebook, metadata: { ...notebook.metadata, parallax: { ...parallax, [field]: this.clock.now().toISOString() } } };
  }
}

function visibleTo(notebook: Notebook, viewer: Viewer | undefined): boolean {
  return viewer === undefined || mayAccess(notebookOwner(notebook.metadata), viewer);
}

function nameOf(raw: string): Effect.Effect<string, InvalidInput> {
  return Effect.fromResult(parseNotebookName(raw));
}

function parseJson(bytes: Uint8Array, maxDepth = DEFAULT_MAX_JSON_DEPTH): Effect.Effect<unknown, InvalidInput> {
  const notJson = (error: unknown) => new InvalidInput({ message: `Invalid notebook: not JSON (${(error as Error).message})` });
  return Effect.gen(function* () {
    const text = yield* Effect.try({ try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes), catch: notJson });
    // Refused before parsing: what follows the parse recurses, and a deep enough document overflows the stack.
    if (jsonDepthExceeds(text, maxDepth)) return yield* Effect.fail(new InvalidInput({ message: `Invalid notebook: JSON nested deeper than ${maxDepth} levels` }));
    return yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: notJson });
  });
}
