import { Effect, Fiber, PubSub, Queue, type Scope } from "effect";
import { Conflict, NotFound } from "@parallax/domain";
import {
  DependencyGraph,
  analyzeCell,
  emptyCell,
  type CellLanguage,
  type NotebookEvent,
  type ReactiveCell,
  type ReactiveNotebook,
} from "@parallax/domain/reactive";
import { CoalescingWriter } from "./coalescing-writer.js";
import type { Kernel } from "./kernel.port.js";

/** Writes the session's current state (a snapshot taken at write time, so the latest wins). */
export type Persist = (snapshot: () => ReactiveNotebook) => Effect.Effect<void>;

interface CurrentRun {
  readonly plan: readonly string[];
  readonly done: Set<string>;
  running: string | undefined;
  fiber: Fiber.Fiber<void> | undefined;
}

const FAILED: ReadonlySet<string> = new Set(["error", "blocked"]);

export interface SessionLimits {
  /** A cell's kept and streamed output; a runaway print loop must not fill memory, sockets and the store. */
  readonly maxStdoutChars?: number;
}

/**
 * One open notebook: the in-memory source of truth while it runs. Mutations are applied
 * synchronously to memory (so they are serialised by the event loop) and then persisted;
 * runs go through one loop fiber, so a notebook executes one cell at a time while other
 * notebooks' loops run in parallel. Every change is published, in order, to subscribers.
 */
export class NotebookSession {
  private readonly cells = new Map<string, ReactiveCell>();
  private readonly graph = new DependencyGraph();
  /** name → cells writing it: who may gain or lose a "defined in multiple cells" error on an edit. */
  private readonly writers = new Map<string, Set<string>>();
  private pending: string[] = [];
  private current: CurrentRun | undefined;
  private loop: Fiber.Fiber<void> | undefined;
  private closed = false;
  /** Set by the first run: from then on its kernel may hold a live process. */
  hasKernel = false;
  private readonly writer: CoalescingWriter;

  private constructor(
    private notebook: Omit<ReactiveNotebook, "cells">,
    private readonly kernel: Kernel,
    persist: Persist,
    private readonly events: PubSub.PubSub<NotebookEvent>,
    private readonly wake: Queue.Queue<void>,
    private readonly limits: SessionLimits,
  ) {
    this.writer = new CoalescingWriter(() => persist(() => this.snapshot()));
  }

  static open(notebook: ReactiveNotebook, kernel: Kernel, persist: Persist, limits: SessionLimits = {}): Effect.Effect<NotebookSession> {
    return Effect.gen(function* () {
      const events = yield* PubSub.unbounded<NotebookEvent>();
      const wake = yield* Queue.unbounded<void>();
      const { cells, ...header } = notebook;
      const session = new NotebookSession(header, kernel, persist, events, wake, limits);
      cells.forEach((cell, index) => session.index(cell, index));
      session.loop = yield* Effect.forkDetach(session.runLoop());
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
    return { ...this.notebook, cells: this.graph.order().map((id) => this.view(id)) };
  }

  subscribe(): Effect.Effect<PubSub.Subscription<NotebookEvent>, never, Scope.Scope> {
    return PubSub.subscribe(this.events);
  }

  rename(name: string): Effect.Effect<void> {
    return Effect.asVoid(
      this.mutate(() => {
        this.notebook = { ...this.notebook, name };
      }),
    );
  }

  setDatabase(connectionString: string | null): Effect.Effect<void> {
    return Effect.andThen(
      this.mutate(() => {
        this.notebook = { ...this.notebook, db_conn_string: connectionString };
      }),
      this.kernel.setDatabase(connectionString),
    );
  }

  addCell(id: string, type: CellLanguage, afterCellId?: string, code = ""): Effect.Effect<ReactiveCell, NotFound> {
    return Effect.suspend(() => {
      const order = this.graph.order();
      let index = order.length;
      if (afterCellId !== undefined) {
        const at = order.indexOf(afterCellId);
        if (at < 0) return Effect.fail(new NotFound({ message: "Cell not found" }));
        index = at + 1;
      }
      const cell = emptyCell(id, type, code);
      return this.mutate(() => {
        this.announcingGraphErrors(id, () => this.index(cell, index));
        this.publish({ type: "cell_created", cellId: id, cell: this.view(id), index });
      }).pipe(Effect.map(() => this.view(id)));
    });
  }

  /** A stale `expectedRevision` is a 409 carrying the current revision. Editing a running cell re-plans. */
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
        cell.code = code;
        this.announcingGraphErrors(cellId, () => this.analyse(cell));
        this.publish({ type: "cell_updated", cellId, cell: this.view(cellId) });
        if (this.current?.running === cellId) this.replan(cellId);
      }).pipe(
        Effect.tap(() => this.forget(cell.type, before.filter((name) => !cell.writes.includes(name)))),
      );
    });
  }

  deleteCell(cellId: string): Effect.Effect<number, NotFound> {
    return Effect.suspend(() => {
      const cell = this.cells.get(cellId);
      if (!cell) return Effect.fail(new NotFound({ message: "Cell not found" }));
      return this.mutate(() => {
        if (this.current?.running === cellId) this.replan(undefined);
        this.announcingGraphErrors(cellId, () => {
          this.cells.delete(cellId);
          this.setWriters(cellId, cell.writes, []);
          this.graph.remove(cellId);
        });
        this.publish({ type: "cell_deleted", cellId });
      }).pipe(
        Effect.tap(() => this.forget(cell.type, cell.writes)),
      );
    });
  }

  /** Queues the cells and their transitive dependents; the loop runs them in topological order. */
  run(cellIds: readonly string[]): Effect.Effect<void, NotFound> {
    return Effect.suspend(() => {
      const missing = cellIds.find((id) => !this.cells.has(id));
      if (missing !== undefined) return Effect.fail(new NotFound({ message: "Cell not found" }));
      this.hasKernel = true;
      this.pending.push(...cellIds);
      return Queue.offer(this.wake, undefined).pipe(Effect.asVoid);
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
    return this.pending.length > 0 || this.current !== undefined;
  }

  /** Resolves once nothing is queued or running and the results are stored (tests, the chat tool's `run_cell`). */
  idle(): Effect.Effect<void> {
    const check: Effect.Effect<void> = Effect.suspend(() =>
      this.pending.length === 0 && this.current === undefined ? this.persist() : Effect.andThen(Effect.sleep(10), check),
    );
    return check;
  }

  close(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      if (this.closed) return;
      this.closed = true;
      this.pending = [];
      if (this.loop) yield* Fiber.interrupt(this.loop);
      if (this.current?.fiber) yield* Fiber.interrupt(this.current.fiber);
      yield* this.kernel.shutdown();
      yield* this.persist();
      yield* PubSub.shutdown(this.events);
    });
  }

  private index(cell: ReactiveCell, at: number): void {
    this.cells.set(cell.id, cell);
    this.analyse(cell, at);
  }

  private analyse(cell: ReactiveCell, at?: number): void {
    const analysis = analyzeCell(cell.type, cell.code);
    this.setWriters(cell.id, cell.writes, analysis.writes);
    cell.reads = [...analysis.reads];
    cell.writes = [...analysis.writes];
    this.graph.upsert(cell.id, analysis, at);
  }

  private setWriters(id: string, before: readonly string[], after: readonly string[]): void {
    for (const name of before) {
      const set = this.writers.get(name);
      set?.delete(id);
      if (set?.size === 0) this.writers.delete(name);
    }
    for (const name of after) {
      const set = this.writers.get(name) ?? new Set<string>();
      set.add(id);
      this.writers.set(name, set);
    }
  }

  /**
   * Runs a graph change and sends `cell_updated` for every other cell whose error it set or
   * cleared (cells sharing a name with the changed one; a cycle's members). Cost follows the
   * names the cell touches, plus its descendants only when it is part of a cycle.
   */
  private announcingGraphErrors(id: string, change: () => void): void {
    const candidates = new Set<string>();
    const collect = () => {
      const cell = this.cells.get(id);
      if (!cell) return;
      for (const name of cell.writes) for (const writer of this.writers.get(name) ?? []) candidates.add(writer);
      if (this.graph.error(id)?.startsWith("Circular")) for (const other of this.graph.descendants(id)) candidates.add(other);
    };
    collect();
    const before = new Map([...candidates].map((other) => [other, this.graph.error(other)]));
    change();
    collect();
    for (const other of candidates) {
      if (other === id || !this.cells.has(other)) continue;
      if (before.get(other) !== this.graph.error(other)) this.publish({ type: "cell_updated", cellId: other, cell: this.view(other) });
    }
  }

  private statusOf(id: string): ReactiveCell["status"] {
    const cell = this.cells.get(id);
    if (!cell) return "idle";
    return this.graph.error(id) !== undefined && cell.status !== "running" ? "error" : cell.status;
  }

  private view(id: string): ReactiveCell {
    const cell = this.cells.get(id)!;
    const error = this.graph.error(id);
    if (error === undefined || cell.status === "running") return { ...cell, outputs: [...cell.outputs] };
    return { ...cell, outputs: [...cell.outputs], status: "error", error };
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

  private forget(language: CellLanguage, names: readonly string[]): Effect.Effect<void> {
    return names.length === 0 ? Effect.void : this.kernel.forget(language, names);
  }

  private publish(event: NotebookEvent): void {
    PubSub.publishUnsafe(this.events, event);
  }

  /** Stops the current plan and queues what it had left (plus `restart`, re-run with its new code). */
  private replan(restart: string | undefined): void {
    const current = this.current;
    if (!current) return;
    const left = current.plan.filter((id) => !current.done.has(id) && id !== current.running);
    this.pending.unshift(...(restart ? [restart] : []), ...left);
    if (current.fiber) Effect.runFork(Fiber.interrupt(current.fiber));
    Queue.offerUnsafe(this.wake, undefined);
  }

  private runLoop(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      while (!this.closed) {
        yield* Queue.take(this.wake);
        while (this.pending.length > 0) {
          const roots = [...new Set(this.pending)].filter((id) => this.cells.has(id));
          this.pending = [];
          const current: CurrentRun = { plan: this.graph.plan(roots), done: new Set(), running: undefined, fiber: undefined };
          this.current = current;
          current.fiber = yield* Effect.forkChild(this.execute(current), { startImmediately: false });
          yield* Fiber.await(current.fiber);
          this.current = undefined;
        }
      }
    });
  }

  private execute(current: CurrentRun): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      for (const id of current.plan) {
        if (!this.cells.has(id)) continue;
        current.running = id;
        yield* this.runCell(id);
        current.done.add(id);
        current.running = undefined;
        this.writer.request();
      }
    });
  }

  private finish(cell: ReactiveCell, status: ReactiveCell["status"], error: string | null): void {
    cell.status = status;
    cell.error = error;
    if (error !== null) this.publish({ type: "cell_error", cellId: cell.id, error });
    this.publish({ type: "cell_status", cellId: cell.id, status });
  }

  private runCell(id: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      const cell = this.cells.get(id)!;
      const staticError = this.graph.error(id);
      cell.stdout = "";
      cell.outputs = [];
      if (staticError !== undefined) {
        this.finish(cell, "error", staticError);
        return Effect.void;
      }
      const failedParent = [...this.graph.parents(id)].some((parent) => FAILED.has(this.statusOf(parent)));
      if (failedParent) {
        this.finish(cell, "blocked", null);
        return Effect.void;
      }
      cell.status = "running";
      cell.error = null;
      this.publish({ type: "cell_status", cellId: id, status: "running" });
      const kernelCell = { id, language: cell.type, code: cell.code, reads: cell.reads, writes: cell.writes };
      const max = this.limits.maxStdoutChars ?? 1_000_000;
      let cut = false;
      return this.kernel
        .run(kernelCell, (_stream, text) => {
          if (cut) return;
          const room = max - cell.stdout.length;
          // The note goes out even when the text so far ended exactly at the cap.
          cut = text.length > room;
          const data = cut ? `${text.slice(0, room)}\n[output truncated at ${max} characters]\n` : text;
          cell.stdout += data;
          this.publish({ type: "cell_stdout", cellId: id, data });
        })
        .pipe(
          Effect.tap((result) =>
            Effect.sync(() => {
              cell.outputs = [...result.outputs];
              for (const output of result.outputs) this.publish({ type: "cell_output", cellId: id, output });
              this.finish(cell, result.status, result.status === "error" ? (result.error ?? "Error") : null);
            }),
          ),
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              cell.status = "idle";
              this.publish({ type: "cell_status", cellId: id, status: "idle" });
            }),
          ),
          Effect.asVoid,
        );
    });
  }
}
