import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as PubSub from "effect/PubSub";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { Conflict, NotFound } from "@parallax/domain";
import {
  MAX_STREAM_CHARS,
  OutputCollector,
  newCodeCell,
  type CellLanguage,
  type NotebookEvent,
  type ReactiveCell,
  type ReactiveCodeCell,
  type ReactiveDocument,
  type ReactiveNotebook,
} from "@parallax/domain/reactive";
import { CoalescingWriter } from "./coalescing-writer.js";
import { KernelRecord } from "./kernel-record.js";
import type { Kernel } from "./kernel.port.js";
import { NotebookCells } from "./notebook-cells.js";
import { NotebookRunLoop } from "./notebook-run-loop.js";
import { recordRun, type RecordedRun } from "./record-run.js";

/** What the session stores: its document, and the cells it changed (only those are rewritten in the file). */
export interface SessionSnapshot {
  readonly document: ReactiveDocument;
  readonly touched: ReadonlySet<string>;
}

/** Writes the session's current state (a snapshot taken at write time, so the latest wins). */
export type Persist = (snapshot: () => SessionSnapshot) => Effect.Effect<void>;

export interface SessionLimits {
  /** A cell's kept and streamed output; a runaway print loop must not fill memory, sockets and the store. */
  readonly maxStdoutChars?: number;
}

/**
 * One open notebook: the in-memory source of truth while it runs. Mutations are applied
 * synchronously to memory (so they are serialised by the event loop) and then persisted;
 * runs go through its run loop (`NotebookRunLoop`), one cell at a time. Every change is
 * published, in order, to subscribers.
 *
 * The kernel starts empty with the session, so every cell opens `idle` with its last outputs;
 * the session tracks which cells' definitions are in the kernel, and a run first runs any
 * ancestor whose definitions are not (never run in this kernel, edited since, failed, or made
 * valid again by removing a duplicate definition).
 */
export class NotebookSession {
  private readonly cells = new NotebookCells();
  private readonly record: KernelRecord;
  /** Cells this session changed; the others are written back exactly as they were stored. */
  private readonly touched = new Set<string>();
  private executionCount = 0;
  private runs!: NotebookRunLoop;
  private closed = false;
  /** Set by the first run: from then on its kernel may hold a live process. */
  hasKernel = false;
  private readonly writer: CoalescingWriter;

  private constructor(
    private notebook: Omit<ReactiveDocument, "cells">,
    private readonly kernel: Kernel,
    persist: Persist,
    private readonly events: PubSub.PubSub<NotebookEvent>,
    private readonly limits: SessionLimits,
    /** Owns the session's fibers (the writer, the run loop): closed by `close`. */
    private readonly scope: Scope.Closeable,
  ) {
    this.record = new KernelRecord(this.cells, kernel);
    this.writer = new CoalescingWriter(() => persist(() => ({ document: this.document(), touched: this.touched })));
  }

  static open(document: ReactiveDocument, kernel: Kernel, persist: Persist, limits: SessionLimits = {}): Effect.Effect<NotebookSession> {
    return Effect.gen(function* () {
      const events = yield* PubSub.unbounded<NotebookEvent>();
      const scope = yield* Scope.make();
      const { cells, ...header } = document;
      const session = new NotebookSession(header, kernel, persist, events, limits, scope);
      cells.forEach((cell, index) => session.cells.insert({ ...cell, status: "idle" }, index));
      yield* Effect.forkIn(session.writer.run(), scope);
      session.runs = yield* NotebookRunLoop.start(
        {
          get id() {
            return session.id;
          },
          has: (id) => session.cells.has(id),
          plan: (roots) => session.record.plan(roots),
          runCell: (id) => session.runCell(id),
          ran: () => session.writer.request(),
        },
        scope,
      );
      return session;
    });
  }

  get id(): string {
    return this.notebook.id;
  }
  get name(): string {
    return this.notebook.name;
  }
  get revision(): number {
    return this.notebook.revision;
  }

  /** The §B view: a cell the graph rejects (cycle, double definition, syntax) shows that error. */
  snapshot(): ReactiveNotebook {
    return { ...this.notebook, cells: this.cells.graph.order().map((id) => this.cells.view(id)) };
  }

  /** The stored form: the cells' nbformat results, with the graph's verdicts as cell state. */
  document(): ReactiveDocument {
    return this.cells.document(this.notebook);
  }

  /** The events from now on (subscribed when this runs, in the caller's scope); the stream ends when the session closes. */
  subscribe(): Effect.Effect<Stream.Stream<NotebookEvent>, never, Scope.Scope> {
    return Effect.map(PubSub.subscribe(this.events), Stream.fromSubscription);
  }

  rename(name: string): Effect.Effect<void> {
    return Effect.asVoid(this.mutate(() => void (this.notebook = { ...this.notebook, name })));
  }

  setDatabase(connectionString: string | null): Effect.Effect<void> {
    return Effect.andThen(
      this.mutate(() => {
        this.notebook = { ...this.notebook, db_conn_string: connectionString };
      }),
      this.kernel.setDatabase(connectionString),
    );
  }

  /**
   * `position` is the cell the new one goes after (§B's `after_cell_id`), or its index (the
   * assistant's `create_cell`; past the end is the end); absent, the end.
   */
  addCell(id: string, type: CellLanguage, position?: string | number, code = ""): Effect.Effect<ReactiveCell, NotFound> {
    return Effect.suspend(() => {
      const order = this.cells.graph.order();
      let index = order.length;
      if (typeof position === "number") index = Math.max(0, Math.min(order.length, Math.trunc(position)));
      else if (position !== undefined) {
        const at = order.indexOf(position);
        if (at < 0) return Effect.fail(new NotFound({ message: "Cell not found" }));
        index = at + 1;
      }
      const cell = newCodeCell(id, type, code);
      return this.mutate(() => {
        this.touched.add(id);
        this.changeGraph(id, () => this.cells.insert(cell, index));
        this.publish({ type: "cell_created", cellId: id, cell: this.cells.view(id), index });
      }).pipe(Effect.map(() => this.cells.view(id)));
    });
  }

  /**
   * A stale `expectedRevision` is a 409 carrying the current revision. Editing a running cell
   * re-plans. The same code again changes nothing stored (the editor saves on every blur).
   */
  updateCell(cellId: string, code: string, expectedRevision?: number): Effect.Effect<number, NotFound | Conflict> {
    return Effect.suspend((): Effect.Effect<number, NotFound | Conflict> => {
      const cell = this.cells.get(cellId);
      if (!cell) return Effect.fail(new NotFound({ message: "Cell not found" }));
      if (expectedRevision !== undefined && expectedRevision !== this.notebook.revision) {
        const revision = this.notebook.revision;
        return Effect.fail(
          new Conflict({ message: `Revision conflict: expected ${expectedRevision}, current is ${revision}`, details: { revision } }),
        );
      }
      const before = cell.writes;
      return this.mutate(() => {
        if (code !== cell.code) {
          cell.code = code;
          this.touched.add(cellId);
          this.record.forget(cellId);
          this.changeGraph(cellId, () => this.cells.analyse(cell));
          if (this.runs.running === cellId) this.runs.replan(cellId);
        }
        this.publish({ type: "cell_updated", cellId, cell: this.cells.view(cellId) });
      }).pipe(Effect.tap(() => this.forget(cell.type, before)));
    });
  }

  deleteCell(cellId: string): Effect.Effect<number, NotFound> {
    return Effect.suspend(() => {
      const cell = this.cells.get(cellId);
      if (!cell) return Effect.fail(new NotFound({ message: "Cell not found" }));
      return this.mutate(() => {
        if (this.runs.running === cellId) this.runs.replan(undefined);
        this.changeGraph(cellId, () => this.cells.remove(cellId));
        this.record.forget(cellId);
        this.touched.delete(cellId);
        this.publish({ type: "cell_deleted", cellId });
      }).pipe(Effect.tap(() => this.forget(cell.type, cell.writes)));
    });
  }

  /** Queues the cells and their transitive dependents; the loop runs them in topological order. */
  run(cellIds: readonly string[]): Effect.Effect<void, NotFound> {
    return Effect.suspend(() => {
      const missing = cellIds.find((id) => !this.cells.has(id));
      if (missing !== undefined) return Effect.fail(new NotFound({ message: "Cell not found" }));
      this.hasKernel = true;
      return this.runs.enqueue(cellIds);
    });
  }

  /** Fails the cell with `error` without running it (nor its dependents); its outputs stay. */
  refuse(cellId: string, error: string): Effect.Effect<void, NotFound> {
    return Effect.suspend(() => {
      const cell = this.cells.get(cellId);
      if (!cell) return Effect.fail(new NotFound({ message: "Cell not found" }));
      this.finish(cell, "error", error);
      return this.persist();
    });
  }

  /** Whether a run is queued or in progress. */
  get busy(): boolean {
    return this.runs.busy;
  }

  /** Resolves once nothing is queued or running and the results are stored (tests, the chat tool's `run_cell`). */
  idle(): Effect.Effect<void> {
    return Effect.andThen(this.runs.idle, () => this.persist());
  }

  close(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      if (this.closed) return;
      this.closed = true;
      yield* this.runs.stop();
      yield* this.kernel.shutdown();
      yield* this.persist();
      yield* Scope.close(this.scope, Exit.void);
      yield* PubSub.shutdown(this.events);
    });
  }

  /**
   * Runs a graph change. Every cell whose error it set or cleared leaves the kernel's record and
   * is announced with `cell_updated`: a cell made valid again (its duplicate deleted or edited)
   * is stale, shows `idle`, and re-runs before its dependents.
   */
  private changeGraph(id: string, change: () => void): void {
    for (const other of this.cells.errorChanges(id, change)) {
      const cell = this.cells.get(other)!;
      this.record.forget(other);
      this.touched.add(other);
      if (this.cells.graph.error(other) === undefined && cell.status !== "running") cell.status = "idle";
      if (other !== id) this.publish({ type: "cell_updated", cellId: other, cell: this.cells.view(other) });
    }
  }

  /** Applies `change` at once (the event loop serialises it), gives it the next revision, then stores it. */
  private mutate(change: () => void): Effect.Effect<number> {
    return Effect.suspend(() => {
      change();
      const revision = this.notebook.revision + 1;
      this.notebook = { ...this.notebook, revision };
      return Effect.as(this.persist(), revision);
    });
  }

  private persist(): Effect.Effect<void> {
    return this.writer.flush();
  }

  /** Removes from the kernel the names that no remaining cell defines (another definer's value stays). */
  private forget(language: CellLanguage, names: readonly string[]): Effect.Effect<void> {
    const orphans = names.filter((name) => !this.cells.defines(name));
    return orphans.length === 0 ? Effect.void : this.kernel.forget(language, orphans);
  }

  private publish(event: NotebookEvent): void {
    PubSub.publishUnsafe(this.events, event);
  }

  /**
   * A cell that did not succeed no longer counts as in the kernel, so its dependents are blocked too.
   * §B's editor hears a run's end in one order and shows it so under the cell: the final
   * `cell_status`, the traceback as `cell_stdout`, `cell_error`, then one `cell_output` per display.
   */
  private finish(cell: ReactiveCodeCell, status: ReactiveCodeCell["status"], error: string | null, ran?: Pick<RecordedRun, "traceback" | "shown">): void {
    cell.status = status;
    if (status !== "success") this.record.forget(cell.id);
    this.touched.add(cell.id);
    const cellId = cell.id;
    this.publish({ type: "cell_status", cellId, status });
    if (ran?.traceback) this.publish({ type: "cell_stdout", cellId, data: ran.traceback });
    if (error !== null) this.publish({ type: "cell_error", cellId, error });
    for (const output of ran?.shown ?? []) this.publish({ type: "cell_output", cellId, output });
  }

  /** A cell that cannot run (refused by the graph, or a parent not in the kernel) keeps its outputs, as in Jupyter. */
  private runCell(id: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      const cell = this.cells.get(id)!;
      const staticError = this.cells.graph.error(id);
      if (staticError !== undefined) {
        this.finish(cell, "error", staticError);
        return Effect.void;
      }
      if ([...this.cells.graph.parents(id)].some((parent) => !this.record.has(parent))) {
        this.finish(cell, "blocked", null);
        return Effect.void;
      }
      const executionCount = ++this.executionCount;
      this.noticeKernelLoss(cell.type);
      const maxStdoutChars = this.limits.maxStdoutChars ?? MAX_STREAM_CHARS;
      const live = new OutputCollector(maxStdoutChars);
      cell.status = "running";
      cell.outputs = live.outputs;
      cell.execution_count = executionCount;
      this.record.forget(id);
      this.touched.add(id);
      this.publish({ type: "cell_status", cellId: id, status: "running" });
      const kernelCell = { id, language: cell.type, code: cell.code, reads: cell.reads, writes: cell.writes };
      const running = Stream.runForEach(this.kernel.run(kernelCell), (event) =>
        Effect.sync(() => {
          if (event.type === "stream") {
            const data = live.stream(event.name, event.text);
            if (data) this.publish({ type: "cell_stdout", cellId: id, data });
            return;
          }
          const { result } = event;
          const ran = recordRun(executionCount, result, maxStdoutChars);
          cell.outputs = ran.outputs;
          if (result.status === "success") this.record.succeeded(id, cell.type);
          this.finish(cell, result.status, ran.error, ran);
          this.noticeKernelLoss(cell.type);
        }),
      );
      return Effect.onInterrupt(running, () =>
        Effect.sync(() => {
          cell.status = "idle";
          this.publish({ type: "cell_status", cellId: id, status: "idle" });
        }),
      );
    });
  }

  /** When a language's kernel lost its state (a dead process), its cells keep their outputs but show `idle` until they run again. */
  private noticeKernelLoss(language: CellLanguage): void {
    for (const id of this.record.lost(language)) {
      this.cells.get(id)!.status = "idle";
      this.touched.add(id);
      this.publish({ type: "cell_status", cellId: id, status: "idle" });
    }
  }
}
