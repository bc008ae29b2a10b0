import { describe, expect, it } from "vitest";
import { analyzeCell, type CellAnalysis } from "./analysis.js";
import { DependencyGraph } from "./dependency-graph.js";

const py = (code: string): CellAnalysis => analyzeCell("python", code);

function notebook(cells: Record<string, string>): DependencyGraph {
  const graph = new DependencyGraph();
  for (const [id, code] of Object.entries(cells)) graph.upsert(id, py(code));
  return graph;
}

describe("DependencyGraph", () => {
  it("plans the ancestors missing from the kernel first, with their other dependents", () => {
    const graph = notebook({ a: "x = 1", b: "y = x + 1", c: "z = y * 2", d: "w = x - 1" });
    expect(graph.planLoading(["c"], () => true)).toEqual(["c"]);
    expect(graph.planLoading(["c"], (id) => id !== "a")).toEqual(["a", "b", "c", "d"]);
    expect(graph.planLoading(["c"], (id) => id !== "b")).toEqual(["b", "c"]);
  });

  it("draws an edge from each writer to each reader of a name", () => {
    const graph = notebook({ a: "x = 1", b: "y = x + 1", c: "print(y, x)" });
    expect([...graph.children("a")].sort()).toEqual(["b", "c"]);
    expect([...graph.parents("c")].sort()).toEqual(["a", "b"]);
    expect([...graph.parents("a")]).toEqual([]);
    expect(graph.error("a")).toBeUndefined();
  });

  it("puts every cell defining the same name in error, and clears it when resolved", () => {
    const graph = notebook({ a: "x = 1", b: "x = 2", c: "print(x)", d: "z = 0" });
    expect(graph.error("a")).toBe("'x' is defined in multiple cells (also in cell b)");
    expect(graph.error("b")).toBe("'x' is defined in multiple cells (also in cell a)");
    expect(graph.definers("x")).toEqual(["a", "b"]);
    expect(graph.error("c")).toBeUndefined();
    expect(graph.error("d")).toBeUndefined();
    expect([...graph.parents("c")].sort()).toEqual(["a", "b"]);
    graph.upsert("b", py("w = 2"));
    expect(graph.error("a")).toBeUndefined();
    expect(graph.error("b")).toBeUndefined();
  });

  it("puts the cells of a cycle in error with the cycle's path", () => {
    const graph = notebook({ a: "x = y", b: "y = x", c: "z = x" });
    expect(graph.error("a")).toBe("Circular dependency detected: a -> b -> a");
    expect(graph.error("b")).toBe("Circular dependency detected: b -> a -> b");
    expect(graph.error("c")).toBeUndefined();
    expect([...graph.cycleMembers("a")].sort()).toEqual(["a", "b"]);
    expect([...graph.cycleMembers("c")]).toEqual([]);
    graph.upsert("b", py("y = 1"));
    expect(graph.error("a")).toBeUndefined();
    expect(graph.error("b")).toBeUndefined();
  });

  it("reports a longer cycle along its edges and detects a cycle closed by an insertion", () => {
    const graph = notebook({ a: "p = r", b: "q = p", c: "s = q" });
    expect(graph.error("a")).toBeUndefined();
    graph.upsert("c", py("r = q"));
    expect(graph.error("a")).toBe("Circular dependency detected: a -> b -> c -> a");
    expect(graph.error("c")).toBe("Circular dependency detected: c -> a -> b -> c");
    graph.remove("b");
    expect(graph.error("a")).toBeUndefined();
    expect(graph.error("c")).toBeUndefined();
  });

  it("keeps an analysis error on the cell and gives it no names", () => {
    const graph = notebook({ a: "x = 1", b: "y = x +", c: "print(y)" });
    expect(graph.error("b")).toContain("SyntaxError");
    expect([...graph.parents("b")]).toEqual([]);
    expect([...graph.parents("c")]).toEqual([]);
  });

  it("removes a deleted cell's names and edges", () => {
    const graph = notebook({ a: "x = 1", b: "y = x", c: "x = 3" });
    expect(graph.error("a")).toBeDefined();
    graph.remove("c");
    expect(graph.has("c")).toBe(false);
    expect(graph.order()).toEqual(["a", "b"]);
    expect(graph.error("a")).toBeUndefined();
    expect([...graph.parents("b")]).toEqual(["a"]);
    graph.remove("a");
    expect([...graph.parents("b")]).toEqual([]);
    graph.remove("missing");
  });

  it("orders by index, keeps the position of a replaced cell, and appends by default", () => {
    const graph = new DependencyGraph();
    graph.upsert("a", py("a = 1"));
    graph.upsert("c", py("c = 1"));
    graph.upsert("b", py("b = 1"), 1);
    graph.upsert("first", py("f = 1"), 0);
    graph.upsert("a", py("a = 2"), 3);
    graph.upsert("last", py("l = 1"), 99);
    expect(graph.order()).toEqual(["first", "a", "b", "c", "last"]);
  });

  it("plans roots and dependents topologically, ties in notebook order", () => {
    // `late` is above its writer in the notebook, yet must run after it.
    const graph = notebook({ late: "print(y)", a: "x = 1", b: "y = x + 1", c: "z = x * 2", unrelated: "u = 0" });
    graph.upsert("late", py("print(y, z)"));
    expect(graph.plan(["a"])).toEqual(["a", "b", "c", "late"]);
    expect(graph.plan(["c", "b"])).toEqual(["b", "c", "late"]);
    expect(graph.plan(["unrelated"])).toEqual(["unrelated"]);
    expect(graph.plan(["missing"])).toEqual([]);
  });

  it("plans a large notebook whose order is topological by notebook order", () => {
    const graph = new DependencyGraph();
    for (let i = 0; i < 200; i++) graph.upsert(`c${i}`, py(i === 0 ? "v0 = 1" : `v${i} = v${i - 1} + 1`));
    expect(graph.plan(["c0"])).toEqual(graph.order());
    expect(graph.plan(["c150"])).toEqual(graph.order().slice(150));
  });

  it("blocks the descendants of a failed cell", () => {
    const graph = notebook({ a: "x = 1", b: "y = x", c: "z = y", d: "w = 5", e: "print(w, z)" });
    expect([...graph.descendants("b")].sort()).toEqual(["c", "e"]);
    expect([...graph.descendants("d")]).toEqual(["e"]);
    expect([...graph.descendants("e")]).toEqual([]);
  });

  it("marks descendants stale and reports them", () => {
    const graph = notebook({ a: "x = 1", b: "y = x", c: "z = y", d: "q = 0" });
    expect([...graph.markStale(["a"])].sort()).toEqual(["b", "c"]);
    expect(graph.isStale("b")).toBe(true);
    expect(graph.isStale("a")).toBe(false);
    expect(graph.clearStale("b")).toBe(true);
    expect(graph.isStale("b")).toBe(false);
  });

  it("accepts hand-made analyses with unsorted or repeated names", () => {
    const graph = new DependencyGraph();
    graph.upsert("a", { reads: [], writes: ["y", "x", "x"] });
    graph.upsert("b", { reads: ["x", "y", "x"], writes: [] });
    expect([...graph.children("a")]).toEqual(["b"]);
    graph.upsert("b", { reads: ["y"], writes: [] });
    graph.upsert("a", { reads: [], writes: ["x"] });
    expect([...graph.children("a")]).toEqual([]);
    expect([...graph.parents("b")]).toEqual([]);
  });

  it("ignores private names and self-reads", () => {
    const graph = new DependencyGraph();
    graph.upsert("a", { reads: [], writes: ["_tmp", "x"] });
    graph.upsert("b", { reads: ["_tmp"], writes: [] });
    graph.upsert("c", py("x = x + 1"));
    expect([...graph.parents("b")]).toEqual([]);
    expect([...graph.children("c")]).toEqual([]);
    expect(graph.error("c")).toBe("'x' is defined in multiple cells (also in cell a)");
  });
});
