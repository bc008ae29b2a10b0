/**
 * The incremental dependency graph of a notebook's cells: an edge writer → reader for each name.
 *
 * Costs: `upsert`/`remove` touch only the names of the changed cell (through name → writers/readers
 * maps) and the edges those names produce; notebook order is kept without renumbering (see
 * NotebookOrder); cycles are re-examined only around the changed cell (see CycleTracker).
 * `plan` costs O(k log k) in the number k of planned cells, or a filter of the order when the
 * notebook order is already topological (no edge points backwards), which is the common case.
 */
import type { CellAnalysis } from "./analysis.js";
import { CycleTracker } from "./graph-cycles.js";
import { GraphNode } from "./graph-node.js";
import { isPrivateName, sortedUnique } from "./names.js";
import { NotebookOrder } from "./notebook-order.js";
import { topologicalPlan } from "./plan.js";

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly orderList = new NotebookOrder<GraphNode>();
  private readonly writers = new Map<string, Set<GraphNode>>();
  private readonly readers = new Map<string, Set<GraphNode>>();
  private readonly cycles = new CycleTracker();
  private readonly staleIds = new Set<string>();
  /** Edges whose writer comes after its reader in notebook order. */
  private backwardEdges = 0;
  private orderSnapshot: { items: readonly GraphNode[]; ids: readonly string[] } | undefined;

  /** Inserts or replaces cell `id`. `index` is its position in notebook order (default: append; when replacing, keep its position). */
  upsert(id: string, analysis: CellAnalysis, index?: number): void {
    const reads = analysis.error ? [] : sharedNames(analysis.reads);
    const writes = analysis.error ? [] : sharedNames(analysis.writes);
    let node = this.nodes.get(id);
    if (node && sameNames(node.reads, reads) && sameNames(node.writes, writes)) {
      node.analysis = analysis;
      return;
    }
    const formerCycle = node?.cycle;
    if (node) this.detach(node);
    else {
      node = new GraphNode(id, analysis);
      this.nodes.set(id, node);
      this.orderList.insert(node, index);
    }
    node.analysis = analysis;
    node.reads = reads;
    node.writes = writes;
    this.attach(node);
    if (formerCycle) this.cycles.split(formerCycle);
    if (this.backwardEdges > 0) this.cycles.joinCycles(node);
  }

  remove(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    const formerCycle = node.cycle;
    this.detach(node);
    this.nodes.delete(id);
    this.orderList.remove(node);
    this.staleIds.delete(id);
    if (formerCycle) {
      formerCycle.delete(node);
      this.cycles.split(formerCycle);
    }
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Cell ids in notebook order. */
  order(): readonly string[] {
    const items = this.orderList.items();
    if (this.orderSnapshot?.items !== items) {
      this.orderSnapshot = { items, ids: Object.freeze(items.map((node) => node.id)) };
    }
    return this.orderSnapshot.ids;
  }

  /**
   * Why the cell cannot run: its analysis error, "'x' is defined in multiple cells (also in cell b)"
   * naming the other definers in notebook order, or "Circular dependency detected: a -> b -> a" (cell ids).
   */
  error(id: string): string | undefined {
    const node = this.nodes.get(id);
    if (!node) return undefined;
    if (node.analysis.error) return node.analysis.error;
    for (const name of node.writes) {
      const writers = this.writers.get(name);
      if (writers && writers.size > 1) return multipleDefinitions(name, [...writers].filter((other) => other !== node).sort((a, b) => a.key - b.key).map((other) => other.id));
    }
    return this.cycles.describe(node);
  }

  /** Cells it reads from (writer → reader edges). */
  parents(id: string): ReadonlySet<string> {
    return idsOf(this.nodes.get(id)?.parents.keys());
  }

  children(id: string): ReadonlySet<string> {
    return idsOf(this.nodes.get(id)?.children.keys());
  }

  /** Every cell reachable from `id` along writer → reader edges (not `id` itself). */
  descendants(id: string): ReadonlySet<string> {
    const node = this.nodes.get(id);
    if (!node) return new Set();
    const { reached } = this.reach([node]);
    return new Set(reached.filter((other) => other !== node).map((other) => other.id));
  }

  /** `roots` plus all their transitive dependents, topologically ordered, ties broken by notebook order. */
  plan(roots: readonly string[]): string[] {
    const starts = roots.map((id) => this.nodes.get(id)).filter((node): node is GraphNode => node !== undefined);
    if (starts.length === 0) return [];
    const { reached: planned, epoch } = this.reach(starts);
    if (this.backwardEdges === 0 && planned.length * 16 > this.nodes.size) {
      // Notebook order is topological: keep the notebook's order, restricted to the planned cells.
      const ids: string[] = [];
      const items = this.orderList.items();
      for (let i = 0; i < items.length; i++) if (items[i]!.forwardMark === epoch) ids.push(items[i]!.id);
      return ids;
    }
    const ordered = this.backwardEdges === 0 ? planned.sort((a, b) => a.key - b.key) : topologicalPlan(planned, epoch);
    return ordered.map((node) => node.id);
  }

  /**
   * `roots` and their dependents, plus every ancestor of a planned cell that `loaded` says is not
   * in the kernel (and that ancestor's dependents), topologically ordered: no cell runs against a
   * name missing from the kernel.
   */
  planLoading(roots: readonly string[], loaded: (id: string) => boolean): string[] {
    const starts = new Set(roots);
    for (;;) {
      const plan = this.plan([...starts]);
      const planned = new Set(plan);
      const found = starts.size;
      const seen = new Set<string>();
      const stack = [...plan];
      while (stack.length > 0) {
        for (const parent of this.parents(stack.pop()!)) {
          if (planned.has(parent) || seen.has(parent)) continue;
          seen.add(parent);
          if (!loaded(parent)) starts.add(parent);
          stack.push(parent);
        }
      }
      if (starts.size === found) return plan;
    }
  }

  /** Marks `ids`' descendants stale; returns them (for the scheduler). */
  markStale(ids: readonly string[]): ReadonlySet<string> {
    const marked = new Set<string>();
    for (const id of ids) {
      for (const descendant of this.descendants(id)) {
        marked.add(descendant);
        this.staleIds.add(descendant);
      }
    }
    return marked;
  }

  isStale(id: string): boolean {
    return this.staleIds.has(id);
  }

  /** Clears the stale mark (the cell ran again); returns whether it was stale. */
  clearStale(id: string): boolean {
    return this.staleIds.delete(id);
  }

  /** The cells on a cycle with `id` (including it), or an empty set: whose errors change together. */
  cycleMembers(id: string): ReadonlySet<string> {
    return idsOf(this.nodes.get(id)?.cycle);
  }

  /** Current analysis of a cell as last upserted. */
  analysis(id: string): CellAnalysis | undefined {
    return this.nodes.get(id)?.analysis;
  }

  /** Cells that define `name`, in notebook order. */
  definers(name: string): readonly string[] {
    return [...(this.writers.get(name) ?? [])].sort((a, b) => a.key - b.key).map((node) => node.id);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Nodes reachable from `starts` (included), stamped with a fresh traversal epoch. */
  private reach(starts: readonly GraphNode[]): { reached: GraphNode[]; epoch: number } {
    const epoch = this.cycles.nextEpoch();
    const reached: GraphNode[] = [];
    for (const start of starts) {
      if (start.forwardMark === epoch) continue;
      start.forwardMark = epoch;
      reached.push(start);
    }
    for (let head = 0; head < reached.length; head++) {
      const children = reached[head]!.childList();
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (child.forwardMark === epoch) continue;
        child.forwardMark = epoch;
        reached.push(child);
      }
    }
    return { reached, epoch };
  }

  private attach(node: GraphNode): void {
    for (const name of node.writes) {
      setIn(this.writers, name).add(node);
      for (const reader of this.readers.get(name) ?? []) if (reader !== node) this.addEdge(node, reader);
    }
    for (const name of node.reads) {
      setIn(this.readers, name).add(node);
      for (const writer of this.writers.get(name) ?? []) if (writer !== node) this.addEdge(writer, node);
    }
  }

  private detach(node: GraphNode): void {
    for (const name of node.writes) {
      for (const reader of this.readers.get(name) ?? []) if (reader !== node) this.removeEdge(node, reader);
      deleteIn(this.writers, name, node);
    }
    for (const name of node.reads) {
      for (const writer of this.writers.get(name) ?? []) if (writer !== node) this.removeEdge(writer, node);
      deleteIn(this.readers, name, node);
    }
    node.reads = [];
    node.writes = [];
  }

  private addEdge(writer: GraphNode, reader: GraphNode): void {
    const count = writer.children.get(reader) ?? 0;
    if (count === 0) writer.childrenChanged();
    writer.children.set(reader, count + 1);
    reader.parents.set(writer, count + 1);
    if (count === 0 && writer.key > reader.key) this.backwardEdges++;
  }

  private removeEdge(writer: GraphNode, reader: GraphNode): void {
    const count = writer.children.get(reader) ?? 0;
    if (count > 1) {
      writer.children.set(reader, count - 1);
      reader.parents.set(writer, count - 1);
      return;
    }
    writer.children.delete(reader);
    writer.childrenChanged();
    reader.parents.delete(writer);
    if (count === 1 && writer.key > reader.key) this.backwardEdges--;
  }
}

export function multipleDefinitions(name: string, others: readonly string[]): string {
  return `'${name}' is defined in multiple cells (also in ${others.length > 1 ? "cells" : "cell"} ${others.join(", ")})`;
}

/** Names visible to other cells, sorted and unique (analyses already are; hand-made ones may not be). */
function sharedNames(names: readonly string[]): readonly string[] {
  const visible = names.filter((name) => !isPrivateName(name));
  for (let i = 1; i < visible.length; i++) if (!(visible[i - 1]! < visible[i]!)) return sortedUnique(visible);
  return visible;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function idsOf(nodes: Iterable<GraphNode> | undefined): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const node of nodes ?? []) ids.add(node.id);
  return ids;
}

function setIn(map: Map<string, Set<GraphNode>>, name: string): Set<GraphNode> {
  let set = map.get(name);
  if (!set) map.set(name, (set = new Set()));
  return set;
}

function deleteIn(map: Map<string, Set<GraphNode>>, name: string, node: GraphNode): void {
  const set = map.get(name);
  if (!set) return;
  set.delete(node);
  if (set.size === 0) map.delete(name);
}
