/**
 * Property test: after every step of random seeded edit sequences, the incrementally maintained
 * graph equals (a) a graph rebuilt from scratch from the same cells and (b) a brute-force reference.
 */
import { describe, expect, it } from "vitest";
import type { CellAnalysis } from "./analysis.js";
import { DependencyGraph, multipleDefinitions } from "./dependency-graph.js";
import { mulberry32 } from "../shared/seeded-random.js";

interface Cell {
  readonly id: string;
  readonly analysis: CellAnalysis;
}


const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "_p"];

function randomAnalysis(random: () => number): CellAnalysis {
  const pick = (count: number): string[] => {
    const chosen = new Set<string>();
    for (let i = 0; i < count; i++) chosen.add(NAMES[Math.floor(random() * NAMES.length)]!);
    return [...chosen].sort();
  };
  if (random() < 0.05) return { reads: [], writes: [], error: "SyntaxError: invalid syntax (line 1)" };
  return { reads: pick(Math.floor(random() * 3)), writes: pick(Math.floor(random() * 2.3)) };
}

/** Brute force over the cell list: O(n²·names) edges, reachability by search. */
class Reference {
  readonly edges = new Map<string, Set<string>>();

  constructor(readonly cells: readonly Cell[]) {
    for (const writer of cells) {
      const children = new Set<string>();
      for (const reader of cells) {
        if (reader === writer) continue;
        const writes = writer.analysis.error ? [] : writer.analysis.writes.filter((n) => !n.startsWith("_"));
        const reads = reader.analysis.error ? [] : reader.analysis.reads;
        if (writes.some((name) => reads.includes(name))) children.add(reader.id);
      }
      this.edges.set(writer.id, children);
    }
  }

  reachable(from: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...this.edges.get(from)!];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...this.edges.get(next)!);
    }
    return seen;
  }

  multipleDefinition(cell: Cell): string | undefined {
    if (cell.analysis.error) return cell.analysis.error;
    for (const name of cell.analysis.writes.filter((n) => !n.startsWith("_"))) {
      const writers = this.cells.filter((other) => !other.analysis.error && other.analysis.writes.includes(name));
      if (writers.length > 1) return multipleDefinitions(name, writers.filter((other) => other !== cell).map((other) => other.id));
    }
    return undefined;
  }

  shortestCycleLength(id: string): number {
    let frontier = [id];
    const seen = new Set<string>();
    for (let length = 1; frontier.length > 0; length++) {
      const next: string[] = [];
      for (const current of frontier) {
        for (const child of this.edges.get(current)!) {
          if (child === id) return length;
          if (!seen.has(child)) {
            seen.add(child);
            next.push(child);
          }
        }
      }
      frontier = next;
    }
    return Infinity;
  }

  plan(roots: readonly string[]): string[] {
    const wanted = new Set<string>();
    for (const root of roots) {
      wanted.add(root);
      for (const id of this.reachable(root)) wanted.add(id);
    }
    const inOrder = this.cells.map((cell) => cell.id).filter((id) => wanted.has(id));
    const done = new Set<string>();
    const result: string[] = [];
    while (result.length < inOrder.length) {
      const ready = inOrder.find(
        (id) => !done.has(id) && inOrder.every((other) => done.has(other) || !this.edges.get(other)!.has(id)),
      );
      const next = ready ?? inOrder.find((id) => !done.has(id))!;
      done.add(next);
      result.push(next);
    }
    return result;
  }
}

function rebuild(cells: readonly Cell[]): DependencyGraph {
  const graph = new DependencyGraph();
  for (const cell of cells) graph.upsert(cell.id, cell.analysis);
  return graph;
}

interface Seen {
  cycles: number;
  multipleDefinitions: number;
  backwardPlans: number;
}

function expectEquivalent(graph: DependencyGraph, cells: readonly Cell[], random: () => number, seen: Seen): void {
  const fresh = rebuild(cells);
  const reference = new Reference(cells);
  const ids = cells.map((cell) => cell.id);
  expect(graph.order()).toEqual(ids);
  expect(fresh.order()).toEqual(ids);
  for (const cell of cells) {
    const { id } = cell;
    const children = [...reference.edges.get(id)!].sort();
    expect([...graph.children(id)].sort()).toEqual(children);
    expect([...fresh.children(id)].sort()).toEqual(children);
    expect([...graph.parents(id)].sort()).toEqual(ids.filter((other) => reference.edges.get(other)!.has(id)).sort());
    expect([...graph.descendants(id)].sort()).toEqual([...reference.reachable(id)].filter((other) => other !== id).sort());
    const error = graph.error(id);
    expect(error).toBe(fresh.error(id));
    const expectedError = reference.multipleDefinition(cell);
    if (expectedError) {
      expect(error).toBe(expectedError);
      if (expectedError.includes("multiple")) seen.multipleDefinitions++;
    } else if (reference.reachable(id).has(id)) {
      seen.cycles++;
      const path = /^Circular dependency detected: (.*)$/.exec(error ?? "")?.[1]?.split(" -> ");
      expect(path?.[0]).toBe(id);
      expect(path?.[path.length - 1]).toBe(id);
      for (let i = 1; i < path!.length; i++) expect(reference.edges.get(path![i - 1]!)!.has(path![i]!)).toBe(true);
      expect(path!.length - 1).toBe(reference.shortestCycleLength(id));
    } else expect(error).toBeUndefined();
  }
  const roots = ids.filter(() => random() < 0.2);
  const plan = reference.plan(roots);
  if (plan.some((id, i) => i > 0 && ids.indexOf(id) < ids.indexOf(plan[i - 1]!))) seen.backwardPlans++;
  expect(graph.plan(roots)).toEqual(plan);
  expect(fresh.plan(roots)).toEqual(reference.plan(roots));
}

describe("DependencyGraph incremental updates (property)", () => {
  const seen: Seen = { cycles: 0, multipleDefinitions: 0, backwardPlans: 0 };

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])("equal a full rebuild and the reference on edit sequence seed %i", (seed) => {
    const random = mulberry32(seed);
    const graph = new DependencyGraph();
    let cells: Cell[] = [];
    let nextId = 0;
    for (let step = 0; step < 200; step++) {
      const roll = random();
      if (cells.length < 3 || roll < 0.3) {
        const index = Math.floor(random() * (cells.length + 1));
        const cell = { id: `cell${nextId++}`, analysis: randomAnalysis(random) };
        cells.splice(index, 0, cell);
        graph.upsert(cell.id, cell.analysis, index);
      } else if (roll < 0.7) {
        const at = Math.floor(random() * cells.length);
        const cell = { id: cells[at]!.id, analysis: randomAnalysis(random) };
        cells[at] = cell;
        graph.upsert(cell.id, cell.analysis, Math.floor(random() * cells.length));
      } else if (roll < 0.75) {
        const cell = cells[Math.floor(random() * cells.length)]!;
        graph.upsert(cell.id, { ...cell.analysis });
      } else {
        const removed = cells[Math.floor(random() * cells.length)]!;
        cells = cells.filter((cell) => cell !== removed);
        graph.remove(removed.id);
      }
      expectEquivalent(graph, cells, random, seen);
    }
  });

  it("exercised cycles, multiple definitions and plans against notebook order (runs after the sequences)", () => {
    expect(seen.cycles).toBeGreaterThan(20);
    expect(seen.multipleDefinitions).toBeGreaterThan(20);
    expect(seen.backwardPlans).toBeGreaterThan(20);
  });
});
