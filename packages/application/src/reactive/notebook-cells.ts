import {
  DependencyGraph,
  analyzeCell,
  cellView,
  type ReactiveCell,
  type ReactiveCodeCell,
  type ReactiveDocument,
} from "@parallax/domain/reactive";

/**
 * The code cells of one open notebook and their dependency graph, with what an edit needs to
 * know: which cells gained or lost a graph error through it (a name defined twice, a cycle) and
 * which names no cell defines any more. Knows nothing of kernels, events or storage.
 */
export class NotebookCells {
  readonly graph = new DependencyGraph();
  private readonly cells = new Map<string, ReactiveCodeCell>();
  /** name → cells writing it: who may gain or lose a "defined in multiple cells" error on an edit. */
  private readonly writers = new Map<string, Set<string>>();

  get(id: string): ReactiveCodeCell | undefined {
    return this.cells.get(id);
  }

  has(id: string): boolean {
    return this.cells.has(id);
  }

  all(): IterableIterator<ReactiveCodeCell> {
    return this.cells.values();
  }

  /** Whether a cell still defines `name` (its value in the kernel is then that cell's, not to be removed). */
  defines(name: string): boolean {
    return this.writers.has(name);
  }

  insert(cell: ReactiveCodeCell, at: number): void {
    this.cells.set(cell.id, cell);
    this.analyse(cell, at);
  }

  /** Re-reads the cell's names from its code. */
  analyse(cell: ReactiveCodeCell, at?: number): void {
    const analysis = analyzeCell(cell.type, cell.code);
    this.setWriters(cell.id, cell.writes, analysis.writes);
    cell.reads = [...analysis.reads];
    cell.writes = [...analysis.writes];
    this.graph.upsert(cell.id, analysis, at);
  }

  remove(id: string): void {
    const cell = this.cells.get(id);
    if (!cell) return;
    this.cells.delete(id);
    this.setWriters(id, cell.writes, []);
    this.graph.remove(id);
  }

  /**
   * Runs a change to cell `id` and returns the cells whose graph error it set or cleared (cells
   * sharing a name with it, a cycle's members; `id` itself included). Cost follows the names the
   * cell touches, plus its descendants only when it is part of a cycle.
   */
  errorChanges(id: string, change: () => void): string[] {
    const candidates = new Set<string>([id]);
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
    return [...candidates].filter((other) => this.cells.has(other) && before.get(other) !== this.graph.error(other));
  }

  /** The §B view: a cell the graph rejects (cycle, double definition, syntax) shows that error. */
  view(id: string): ReactiveCell {
    return cellView(this.cells.get(id)!, this.graph.error(id));
  }

  /** The stored form, in notebook order, with the graph's verdicts as cell state. */
  document(header: Omit<ReactiveDocument, "cells">): ReactiveDocument {
    const cells = this.graph.order().map((id): ReactiveCodeCell => {
      const cell = this.cells.get(id)!;
      const analysisError = this.graph.error(id);
      if (analysisError === undefined) return cell;
      return { ...cell, status: cell.status === "running" ? cell.status : "error", analysisError };
    });
    return { ...header, cells };
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
}
