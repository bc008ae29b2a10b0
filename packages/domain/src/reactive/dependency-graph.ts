import type { CellAnalysis } from "./analysis.js";

/** Provisional, simple implementation of the cell dependency graph (full recompute). */
export class DependencyGraph {
  private readonly cells = new Map<string, CellAnalysis>();
  private ids: string[] = [];
  private readonly stale = new Set<string>();

  upsert(id: string, analysis: CellAnalysis, index?: number): void {
    if (!this.cells.has(id)) {
      const at = index === undefined ? this.ids.length : Math.max(0, Math.min(index, this.ids.length));
      this.ids.splice(at, 0, id);
    }
    this.cells.set(id, analysis);
  }

  remove(id: string): void {
    if (!this.cells.delete(id)) return;
    this.ids = this.ids.filter((other) => other !== id);
  }

  has(id: string): boolean {
    return this.cells.has(id);
  }

  order(): readonly string[] {
    return [...this.ids];
  }

  error(id: string): string | undefined {
    const analysis = this.cells.get(id);
    if (!analysis) return undefined;
    if (analysis.error) return analysis.error;
    for (const name of analysis.writes) {
      const writers = this.ids.filter((other) => this.cells.get(other)?.writes.includes(name));
      if (writers.length > 1) return `'${name}' is defined in multiple cells`;
    }
    return undefined;
  }

  parents(id: string): ReadonlySet<string> {
    const result = new Set<string>();
    const analysis = this.cells.get(id);
    if (!analysis) return result;
    for (const other of this.ids) {
      if (other === id) continue;
      if (this.cells.get(other)!.writes.some((name) => analysis.reads.includes(name))) result.add(other);
    }
    return result;
  }

  children(id: string): ReadonlySet<string> {
    const result = new Set<string>();
    for (const other of this.ids) if (this.parents(other).has(id)) result.add(other);
    return result;
  }

  descendants(id: string): ReadonlySet<string> {
    const seen = new Set<string>();
    const stack = [...this.children(id)];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...this.children(next));
    }
    return seen;
  }

  plan(roots: readonly string[]): string[] {
    const wanted = new Set<string>();
    for (const root of roots) {
      if (!this.cells.has(root)) continue;
      wanted.add(root);
      for (const d of this.descendants(root)) wanted.add(d);
    }
    const result: string[] = [];
    const done = new Set<string>();
    while (done.size < wanted.size) {
      const ready = this.ids.find(
        (id) => wanted.has(id) && !done.has(id) && [...this.parents(id)].every((p) => !wanted.has(p) || done.has(p)),
      );
      const next = ready ?? this.ids.find((id) => wanted.has(id) && !done.has(id))!;
      done.add(next);
      result.push(next);
    }
    return result;
  }

  markStale(ids: readonly string[]): ReadonlySet<string> {
    const result = new Set<string>();
    for (const id of ids) for (const d of this.descendants(id)) result.add(d);
    for (const id of result) this.stale.add(id);
    return result;
  }
}
