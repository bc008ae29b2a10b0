import { describe, expect, it } from "vitest";
import { LinearAssignmentSolver, linearAssignmentMaxCardinality } from "./lapjv.js";
import { SeededRandom } from "./random.js";

/** Exhaustive optimum by dynamic programming over subsets of columns. */
function bruteForce(cost: Float64Array, rows: number, cols: number, limit?: number): number {
  const transpose = limit === undefined && rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const at = (i: number, j: number) => (transpose ? cost[j * cols + i]! : cost[i * cols + j]!);
  let dp = new Float64Array(1 << m).fill(Infinity);
  dp[0] = 0;
  for (let i = 0; i < n; i++) {
    const next = new Float64Array(1 << m).fill(Infinity);
    for (let mask = 0; mask < 1 << m; mask++) {
      const base = dp[mask]!;
      if (base === Infinity) continue;
      if (limit !== undefined) next[mask] = Math.min(next[mask]!, base); // row left unassigned
      for (let j = 0; j < m; j++) {
        if (mask & (1 << j)) continue;
        const c = at(i, j);
        const value = limit !== undefined ? c - limit : c;
        if (limit !== undefined && !(c < limit)) continue;
        next[mask | (1 << j)] = Math.min(next[mask | (1 << j)]!, base + value);
      }
    }
    dp = next;
  }
  return Math.min(...dp);
}

describe("LinearAssignmentSolver", () => {
  const random = new SeededRandom(42);
  const solver = new LinearAssignmentSolver();

  it("equals brute force on random square and rectangular matrices (sizes 1–9)", () => {
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + random.int(9);
      const cols = 1 + random.int(9);
      const cost = new Float64Array(rows * cols);
      const integer = trial % 3 === 0; // integer costs create ties
      for (let k = 0; k < cost.length; k++) cost[k] = integer ? random.int(5) : random.uniform(-3, 10);
      const result = solver.solve(cost, rows, cols);
      expect(result.cost).toBeCloseTo(bruteForce(cost, rows, cols), 9);
      const assigned = Array.from(result.rowToCol).filter((j) => j >= 0);
      expect(assigned.length).toBe(Math.min(rows, cols));
      expect(new Set(assigned).size).toBe(assigned.length);
      for (let i = 0; i < rows; i++) if (result.rowToCol[i]! >= 0) expect(result.colToRow[result.rowToCol[i]!]).toBe(i);
    }
  });

  it("equals brute force with a cost limit (unassigned when above it)", () => {
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + random.int(9);
      const cols = 1 + random.int(9);
      const limit = random.uniform(0.2, 0.9);
      const cost = new Float64Array(rows * cols);
      for (let k = 0; k < cost.length; k++) cost[k] = random.next() < 0.3 ? Infinity : random.next();
      const result = solver.solveWithLimit(cost, rows, cols, limit);
      let objective = 0;
      for (let i = 0; i < rows; i++) {
        const j = result.rowToCol[i]!;
        if (j < 0) continue;
        expect(cost[i * cols + j]!).toBeLessThan(limit);
        expect(result.colToRow[j]).toBe(i);
        objective += cost[i * cols + j]! - limit;
      }
      expect(objective).toBeCloseTo(bruteForce(cost, rows, cols, limit), 9);
    }
  });

  it("gives the same optimum on large square matrices with and without the column-reduction start", () => {
    for (const n of [40, 120]) {
      const square = Float64Array.from({ length: n * n }, () => random.next());
      // One extra, never useful column sends the same problem through the rectangular path.
      const wide = new Float64Array(n * (n + 1));
      for (let i = 0; i < n; i++) {
        wide.set(square.subarray(i * n, (i + 1) * n), i * (n + 1));
        wide[i * (n + 1) + n] = 1e6;
      }
      expect(solver.solve(square, n, n).cost).toBeCloseTo(solver.solve(wide, n, n + 1).cost, 9);
    }
  });

  it("leaves everything unassigned when all costs exceed the limit", () => {
    const result = solver.solveWithLimit(Float64Array.from([0.9, 0.95, 1, 1]), 2, 2, 0.8);
    expect(Array.from(result.rowToCol)).toEqual([-1, -1]);
  });

  it("prefers more pairs over cheaper pairs in max-cardinality mode", () => {
    // Row 0 could take col 0 cheaply, but then row 1 (only allowed on col 0) stays unmatched.
    const cost = Float64Array.from([0.1, 0.4, 0.3, 9]);
    const allowed = Uint8Array.from([1, 1, 1, 0]);
    const result = linearAssignmentMaxCardinality(cost, 2, 2, allowed);
    expect(Array.from(result.rowToCol)).toEqual([1, 0]);
  });

  it("handles empty matrices", () => {
    expect(solver.solve(new Float64Array(0), 0, 5).rowToCol.length).toBe(0);
    expect(Array.from(solver.solveWithLimit(new Float64Array(0), 3, 0, 1).rowToCol)).toEqual([-1, -1, -1]);
  });
});
