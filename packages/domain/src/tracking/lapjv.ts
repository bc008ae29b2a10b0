/**
 * Exact linear assignment (Jonker–Volgenant shortest augmenting paths with dual variables, the
 * variant without initialisation described by Crouse, 2016). Rectangular matrices are solved
 * directly (the smaller side is fully assigned); a cost limit leaves rows and columns
 * unassigned instead of matching them above it (the `lap.lapjv(cost_limit=…)` semantics that
 * ByteTrack relies on). Work buffers are kept in the solver and reused between calls.
 */
import { ShortestAugmentingPaths } from "./jv-core.js";

export { InfeasibleAssignment } from "./jv-core.js";

export interface Assignment {
  /** Column of each row, -1 when unassigned. */
  readonly rowToCol: Int32Array;
  /** Row of each column, -1 when unassigned. */
  readonly colToRow: Int32Array;
  /** Sum of the costs of the assigned pairs. */
  readonly cost: number;
}

/**
 * The pairs of a rows × cols cost matrix that are cheaper than a limit, grouped by row
 * (compressed sparse rows): row i's pairs are at [rowStart[i], rowStart[i + 1]) of cols/costs.
 */
export interface SparseCosts {
  readonly rowStart: Int32Array;
  readonly cols: Int32Array;
  readonly costs: Float64Array;
}


export class LinearAssignmentSolver {
  private readonly core = new ShortestAugmentingPaths();
  private scratchCost = new Float64Array(0);
  private componentOfRow = new Int32Array(0);
  private componentOfCol = new Int32Array(0);
  private stack = new Int32Array(0);
  private localCol = new Int32Array(0);
  private colStart = new Int32Array(0);
  private colRows = new Int32Array(0);
  private rowOrder = new Int32Array(0);
  private colOrder = new Int32Array(0);
  private componentRowStart = new Int32Array(0);
  private componentColStart = new Int32Array(0);
  private componentRowFill = new Int32Array(0);
  private componentColFill = new Int32Array(0);
  private subRowToCol = new Int32Array(0);
  private subColToRow = new Int32Array(0);
  private denseRowStart = new Int32Array(0);
  private denseCols = new Int32Array(0);
  private denseCosts = new Float64Array(0);

  /** Minimum-cost assignment of min(rows, cols) pairs; costs must be finite. */
  solve(cost: Float64Array, rows: number, cols: number): Assignment {
    const rowToCol = new Int32Array(rows).fill(-1);
    const colToRow = new Int32Array(cols).fill(-1);
    if (rows === 0 || cols === 0) return { rowToCol, colToRow, cost: 0 };
    if (rows <= cols) {
      this.core.solve(cost, rows, cols, rowToCol, colToRow);
    } else {
      const transposed = this.buffer(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) transposed[j * rows + i] = cost[i * cols + j]!;
      this.core.solve(transposed, cols, rows, colToRow, rowToCol);
    }
    let total = 0;
    for (let i = 0; i < rows; i++) if (rowToCol[i]! >= 0) total += cost[i * cols + rowToCol[i]!]!;
    return { rowToCol, colToRow, cost: total };
  }

  /**
   * Minimum of Σ assigned costs + limit × (unassigned rows + unassigned columns) / 2: a pair is
   * only worth assigning when its cost is below `limit`. Pairs at or above the limit (or not
   * finite) are never returned. Only the pairs below the limit matter, so this gathers them and
   * solves the sparse problem (see solveSparseWithLimit).
   */
  solveWithLimit(cost: Float64Array, rows: number, cols: number, limit: number): Assignment {
    if (rows === 0 || cols === 0) return { rowToCol: new Int32Array(rows).fill(-1), colToRow: new Int32Array(cols).fill(-1), cost: 0 };
    if (this.denseRowStart.length < rows + 1) this.denseRowStart = new Int32Array(2 * rows + 1);
    const rowStart = this.denseRowStart;
    let count = 0;
    rowStart[0] = 0;
    for (let i = 0; i < rows; i++) {
      const base = i * cols;
      for (let j = 0; j < cols; j++) {
        const value = cost[base + j]!;
        if (!(value < limit)) continue;
        if (this.denseCols.length <= count) this.growDense(count + 1);
        this.denseCols[count] = j;
        this.denseCosts[count] = value;
        count++;
      }
      rowStart[i + 1] = count;
    }
    return this.solveSparseWithLimit(rows, cols, limit, { rowStart, cols: this.denseCols, costs: this.denseCosts });
  }

  /**
   * solveWithLimit on a sparse matrix: only the listed pairs are cheaper than the limit, every
   * other pair is treated as costing at least the limit (listed pairs at or above it are ignored).
   * The problem splits into connected components of the cheap pairs, solved one by one, which
   * keeps tracking-sized problems (mostly small disjoint clusters) fast. `into` receives the
   * assignment instead of newly allocated arrays when given (lengths ≥ rows and ≥ cols).
   */
  solveSparseWithLimit(rows: number, cols: number, limit: number, pairs: SparseCosts, into?: { rowToCol: Int32Array; colToRow: Int32Array }): Assignment {
    const rowToCol = into ? into.rowToCol.fill(-1, 0, rows) : new Int32Array(rows).fill(-1);
    const colToRow = into ? into.colToRow.fill(-1, 0, cols) : new Int32Array(cols).fill(-1);
    if (rows === 0 || cols === 0) return { rowToCol, colToRow, cost: 0 };
    const components = this.labelComponents(rows, cols, limit, pairs);
    // Bucket rows and columns by component in one pass (counting sort), not one scan per component.
    if (this.rowOrder.length < rows) this.rowOrder = new Int32Array(2 * rows);
    if (this.colOrder.length < cols) this.colOrder = new Int32Array(2 * cols);
    if (this.componentRowStart.length < components + 1) {
      this.componentRowStart = new Int32Array(2 * components + 2);
      this.componentColStart = new Int32Array(2 * components + 2);
      this.componentRowFill = new Int32Array(2 * components + 2);
      this.componentColFill = new Int32Array(2 * components + 2);
    }
    const { componentRowStart: rowStart, componentColStart: colStart, componentRowFill: rowFill, componentColFill: colFill } = this;
    for (let c = 0; c <= components; c++) rowStart[c] = colStart[c] = 0;
    const ofRow = this.componentOfRow, ofCol = this.componentOfCol;
    for (let i = 0; i < rows; i++) if (ofRow[i]! >= 0) rowStart[ofRow[i]! + 1]!++;
    for (let j = 0; j < cols; j++) if (ofCol[j]! >= 0) colStart[ofCol[j]! + 1]!++;
    for (let c = 0; c < components; c++) {
      rowStart[c + 1]! += rowStart[c]!;
      colStart[c + 1]! += colStart[c]!;
    }
    for (let c = 0; c < components; c++) {
      rowFill[c] = rowStart[c]!;
      colFill[c] = colStart[c]!;
    }
    const rowOrder = this.rowOrder, colOrder = this.colOrder;
    for (let i = 0; i < rows; i++) if (ofRow[i]! >= 0) rowOrder[rowFill[ofRow[i]!]!++] = i;
    for (let j = 0; j < cols; j++) if (ofCol[j]! >= 0) colOrder[colFill[ofCol[j]!]!++] = j;
    let total = 0;
    for (let c = 0; c < components; c++) {
      total += this.solveComponent(limit, pairs, rowStart[c]!, rowStart[c + 1]!, colStart[c]!, colStart[c + 1]!, rowToCol, colToRow);
    }
    return { rowToCol, colToRow, cost: total };
  }

  /** Solves one component: rows rowOrder[r0..r1), columns colOrder[c0..c1). */
  private solveComponent(limit: number, pairs: SparseCosts, r0: number, r1: number, c0: number, c1: number, rowToCol: Int32Array, colToRow: Int32Array): number {
    const r = r1 - r0;
    const c = c1 - c0;
    const { rowOrder, colOrder, localCol } = this;
    const { rowStart, cols: pairCols, costs } = pairs;
    if (r === 1 && c === 1) {
      const row = rowOrder[r0]!, col = colOrder[c0]!;
      for (let e = rowStart[row]!; e < rowStart[row + 1]!; e++) {
        const value = costs[e]!;
        if (pairCols[e] !== col || !(value < limit)) continue;
        rowToCol[row] = col;
        colToRow[col] = row;
        return value;
      }
      return 0;
    }
    for (let b = 0; b < c; b++) localCol[colOrder[c0 + b]!] = b;
    // Each row gets r private "unassigned" columns costing `limit`; pairs at or above the limit
    // are no better than staying unassigned, so they are capped at it.
    const width = c + r;
    const sub = this.buffer(r * width);
    sub.fill(limit, 0, r * width);
    for (let a = 0; a < r; a++) {
      const row = rowOrder[r0 + a]!;
      for (let e = rowStart[row]!; e < rowStart[row + 1]!; e++) {
        const value = costs[e]!;
        if (value < limit) sub[a * width + localCol[pairCols[e]!]!] = value;
      }
    }
    if (this.subRowToCol.length < r) this.subRowToCol = new Int32Array(2 * r);
    if (this.subColToRow.length < width) this.subColToRow = new Int32Array(2 * width);
    const subRowToCol = this.subRowToCol;
    this.core.solve(sub, r, width, subRowToCol, this.subColToRow);
    let total = 0;
    for (let a = 0; a < r; a++) {
      const b = subRowToCol[a]!;
      if (b < 0 || b >= c) continue;
      const value = sub[a * width + b]!;
      if (!(value < limit)) continue;
      const row = rowOrder[r0 + a]!, col = colOrder[c0 + b]!;
      rowToCol[row] = col;
      colToRow[col] = row;
      total += value;
    }
    return total;
  }

  /** Connected components over pairs cheaper than the limit; isolated rows/columns get -1. */
  private labelComponents(rows: number, cols: number, limit: number, pairs: SparseCosts): number {
    if (this.componentOfRow.length < rows) this.componentOfRow = new Int32Array(2 * rows);
    if (this.componentOfCol.length < cols) {
      this.componentOfCol = new Int32Array(2 * cols);
      this.localCol = new Int32Array(2 * cols);
    }
    if (this.stack.length < rows + cols) this.stack = new Int32Array(2 * (rows + cols));
    const { rowStart, cols: pairCols, costs } = pairs;
    // Column → rows adjacency (transposed sparse rows) of the cheap pairs.
    const edges = rowStart[rows]!;
    if (this.colStart.length < cols + 1) this.colStart = new Int32Array(2 * cols + 1);
    if (this.colRows.length < edges) this.colRows = new Int32Array(2 * edges);
    const colStart = this.colStart.fill(0, 0, cols + 1);
    for (let e = 0; e < edges; e++) if (costs[e]! < limit) colStart[pairCols[e]! + 1]!++;
    for (let j = 0; j < cols; j++) colStart[j + 1]! += colStart[j]!;
    const colFill = this.localCol;
    for (let j = 0; j < cols; j++) colFill[j] = colStart[j]!;
    const colRows = this.colRows;
    for (let i = 0; i < rows; i++) {
      for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) if (costs[e]! < limit) colRows[colFill[pairCols[e]!]!++] = i;
    }
    const ofRow = this.componentOfRow.fill(-1, 0, rows);
    const ofCol = this.componentOfCol.fill(-1, 0, cols);
    const stack = this.stack;
    let components = 0;
    for (let start = 0; start < rows; start++) {
      if (ofRow[start] !== -1) continue;
      let hasEdge = false;
      for (let e = rowStart[start]!; e < rowStart[start + 1]!; e++) if (costs[e]! < limit) { hasEdge = true; break; }
      if (!hasEdge) continue;
      const label = components++;
      ofRow[start] = label;
      let top = 0;
      stack[top++] = start; // rows are pushed as i, columns as rows + j
      while (top > 0) {
        const node = stack[--top]!;
        if (node < rows) {
          for (let e = rowStart[node]!; e < rowStart[node + 1]!; e++) {
            const j = pairCols[e]!;
            if (ofCol[j] === -1 && costs[e]! < limit) {
              ofCol[j] = label;
              stack[top++] = rows + j;
            }
          }
        } else {
          const j = node - rows;
          for (let e = colStart[j]!; e < colStart[j + 1]!; e++) {
            const i = colRows[e]!;
            if (ofRow[i] === -1) {
              ofRow[i] = label;
              stack[top++] = i;
            }
          }
        }
      }
    }
    return components;
  }

  private growDense(size: number): void {
    const capacity = Math.max(size, 2 * this.denseCols.length, 64);
    const cols = new Int32Array(capacity);
    const costs = new Float64Array(capacity);
    cols.set(this.denseCols);
    costs.set(this.denseCosts);
    this.denseCols = cols;
    this.denseCosts = costs;
  }

  private buffer(size: number): Float64Array {
    if (this.scratchCost.length < size) this.scratchCost = new Float64Array(Math.max(size, this.scratchCost.length * 2));
    return this.scratchCost;
  }
}

const sharedSolver = new LinearAssignmentSolver();

/** Minimum-cost assignment of min(rows, cols) pairs (row-major costs). */
export function linearAssignment(cost: Float64Array, rows: number, cols: number): Assignment {
  return sharedSolver.solve(cost, rows, cols);
}

/** Assignment where pairs must cost less than `limit`; the rest stay unassigned. */
export function linearAssignmentWithLimit(cost: Float64Array, rows: number, cols: number, limit: number): Assignment {
  return sharedSolver.solveWithLimit(cost, rows, cols, limit);
}

/**
 * Maximum-cardinality, then minimum-cost assignment where `allowed` marks the usable pairs (the
 * protocol py-motmetrics uses: forbidden pairs get a cost so large that taking one is never
 * better, then are dropped).
 */
export function linearAssignmentMaxCardinality(
  cost: Float64Array,
  rows: number,
  cols: number,
  allowed: Uint8Array,
  solver: LinearAssignmentSolver = sharedSolver,
): Assignment {
  let maxAbs = 0;
  let any = false;
  for (let k = 0; k < rows * cols; k++) {
    if (allowed[k]) {
      any = true;
      const a = Math.abs(cost[k]!);
      if (a > maxAbs) maxAbs = a;
    }
  }
  if (!any) return { rowToCol: new Int32Array(rows).fill(-1), colToRow: new Int32Array(cols).fill(-1), cost: 0 };
  const large = 2 * Math.min(rows, cols) * (maxAbs + 1) + 1;
  const filled = new Float64Array(rows * cols);
  for (let k = 0; k < rows * cols; k++) filled[k] = allowed[k] ? cost[k]! : large;
  const result = solver.solve(filled, rows, cols);
  const rowToCol = result.rowToCol;
  const colToRow = result.colToRow;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const j = rowToCol[i]!;
    if (j < 0) continue;
    if (!allowed[i * cols + j]) {
      rowToCol[i] = -1;
      colToRow[j] = -1;
    } else total += cost[i * cols + j]!;
  }
  return { rowToCol, colToRow, cost: total };
}
