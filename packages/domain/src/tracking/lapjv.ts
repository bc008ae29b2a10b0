/**
 * Exact linear assignment (Jonker–Volgenant shortest augmenting paths with dual variables, the
 * variant without initialisation described by Crouse, 2016). Rectangular matrices are solved
 * directly (the smaller side is fully assigned); a cost limit leaves rows and columns
 * unassigned instead of matching them above it (the `lap.lapjv(cost_limit=…)` semantics that
 * ByteTrack relies on). Work buffers are kept in the solver and reused between calls.
 */
export interface Assignment {
  /** Column of each row, -1 when unassigned. */
  readonly rowToCol: Int32Array;
  /** Row of each column, -1 when unassigned. */
  readonly colToRow: Int32Array;
  /** Sum of the costs of the assigned pairs. */
  readonly cost: number;
}

export class InfeasibleAssignment extends Error {}

export class LinearAssignmentSolver {
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private shortest = new Float64Array(0);
  private path = new Int32Array(0);
  private remaining = new Int32Array(0);
  private visitedRows = new Uint8Array(0);
  private visitedCols = new Uint8Array(0);
  private scratchCost = new Float64Array(0);
  private componentOfRow = new Int32Array(0);
  private componentOfCol = new Int32Array(0);
  private stack = new Int32Array(0);

  /** Minimum-cost assignment of min(rows, cols) pairs; costs must be finite. */
  solve(cost: Float64Array, rows: number, cols: number): Assignment {
    const rowToCol = new Int32Array(rows).fill(-1);
    const colToRow = new Int32Array(cols).fill(-1);
    if (rows === 0 || cols === 0) return { rowToCol, colToRow, cost: 0 };
    if (rows <= cols) {
      this.solveWide(cost, rows, cols, rowToCol, colToRow);
    } else {
      const transposed = this.buffer(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) transposed[j * rows + i] = cost[i * cols + j]!;
      this.solveWide(transposed, cols, rows, colToRow, rowToCol);
    }
    let total = 0;
    for (let i = 0; i < rows; i++) if (rowToCol[i]! >= 0) total += cost[i * cols + rowToCol[i]!]!;
    return { rowToCol, colToRow, cost: total };
  }

  /**
   * Minimum of Σ assigned costs + limit × (unassigned rows + unassigned columns) / 2: a pair is
   * only worth assigning when its cost is below `limit`. Pairs at or above the limit (or not
   * finite) are never returned. The matrix is split into connected components of the pairs
   * below the limit, which keeps tracking-sized problems (mostly disjoint clusters) fast.
   */
  solveWithLimit(cost: Float64Array, rows: number, cols: number, limit: number): Assignment {
    const rowToCol = new Int32Array(rows).fill(-1);
    const colToRow = new Int32Array(cols).fill(-1);
    if (rows === 0 || cols === 0) return { rowToCol, colToRow, cost: 0 };
    const components = this.labelComponents(cost, rows, cols, limit);
    // Bucket rows and columns by component in one pass (counting sort), not one scan per component.
    const rowStart = new Int32Array(components + 1);
    const colStart = new Int32Array(components + 1);
    for (let i = 0; i < rows; i++) if (this.componentOfRow[i]! >= 0) rowStart[this.componentOfRow[i]! + 1]!++;
    for (let j = 0; j < cols; j++) if (this.componentOfCol[j]! >= 0) colStart[this.componentOfCol[j]! + 1]!++;
    for (let c = 0; c < components; c++) {
      rowStart[c + 1]! += rowStart[c]!;
      colStart[c + 1]! += colStart[c]!;
    }
    const rowOrder = new Int32Array(rowStart[components]!);
    const colOrder = new Int32Array(colStart[components]!);
    const rowFill = rowStart.slice(0, components);
    const colFill = colStart.slice(0, components);
    for (let i = 0; i < rows; i++) if (this.componentOfRow[i]! >= 0) rowOrder[rowFill[this.componentOfRow[i]!]!++] = i;
    for (let j = 0; j < cols; j++) if (this.componentOfCol[j]! >= 0) colOrder[colFill[this.componentOfCol[j]!]!++] = j;
    let total = 0;
    for (let c = 0; c < components; c++) {
      const rowList = rowOrder.subarray(rowStart[c]!, rowStart[c + 1]!);
      const colList = colOrder.subarray(colStart[c]!, colStart[c + 1]!);
      total += this.solveComponent(cost, cols, limit, rowList, colList, rowToCol, colToRow);
    }
    return { rowToCol, colToRow, cost: total };
  }

  private solveComponent(
    cost: Float64Array,
    cols: number,
    limit: number,
    rowList: Int32Array,
    colList: Int32Array,
    rowToCol: Int32Array,
    colToRow: Int32Array,
  ): number {
    const r = rowList.length;
    const c = colList.length;
    if (r === 1 && c === 1) {
      const value = cost[rowList[0]! * cols + colList[0]!]!;
      if (value < limit) {
        rowToCol[rowList[0]!] = colList[0]!;
        colToRow[colList[0]!] = rowList[0]!;
        return value;
      }
      return 0;
    }
    // Each row gets r private "unassigned" columns costing `limit`; pairs at or above the limit
    // are no better than staying unassigned, so they are capped at it.
    const width = c + r;
    const sub = this.buffer(r * width);
    for (let a = 0; a < r; a++) {
      const base = rowList[a]! * cols;
      for (let b = 0; b < c; b++) {
        const value = cost[base + colList[b]!]!;
        sub[a * width + b] = value < limit ? value : limit;
      }
      for (let b = c; b < width; b++) sub[a * width + b] = limit;
    }
    const subRowToCol = new Int32Array(r);
    const subColToRow = new Int32Array(width);
    this.solveWide(sub, r, width, subRowToCol, subColToRow);
    let total = 0;
    for (let a = 0; a < r; a++) {
      const b = subRowToCol[a]!;
      if (b < 0 || b >= c) continue;
      const value = cost[rowList[a]! * cols + colList[b]!]!;
      if (!(value < limit)) continue;
      rowToCol[rowList[a]!] = colList[b]!;
      colToRow[colList[b]!] = rowList[a]!;
      total += value;
    }
    return total;
  }

  /** Connected components over pairs cheaper than the limit; isolated rows/columns get -1. */
  private labelComponents(cost: Float64Array, rows: number, cols: number, limit: number): number {
    if (this.componentOfRow.length < rows) this.componentOfRow = new Int32Array(rows);
    if (this.componentOfCol.length < cols) this.componentOfCol = new Int32Array(cols);
    if (this.stack.length < rows + cols) this.stack = new Int32Array(rows + cols);
    const ofRow = this.componentOfRow.fill(-1, 0, rows);
    const ofCol = this.componentOfCol.fill(-1, 0, cols);
    const stack = this.stack;
    let components = 0;
    for (let start = 0; start < rows; start++) {
      if (ofRow[start] !== -1) continue;
      let hasEdge = false;
      const base = start * cols;
      for (let j = 0; j < cols; j++) if (cost[base + j]! < limit) { hasEdge = true; break; }
      if (!hasEdge) continue;
      const label = components++;
      ofRow[start] = label;
      let top = 0;
      stack[top++] = start; // rows are pushed as i, columns as rows + j
      while (top > 0) {
        const node = stack[--top]!;
        if (node < rows) {
          const rowBase = node * cols;
          for (let j = 0; j < cols; j++) {
            if (ofCol[j] === -1 && cost[rowBase + j]! < limit) {
              ofCol[j] = label;
              stack[top++] = rows + j;
            }
          }
        } else {
          const j = node - rows;
          for (let i = 0; i < rows; i++) {
            if (ofRow[i] === -1 && cost[i * cols + j]! < limit) {
              ofRow[i] = label;
              stack[top++] = i;
            }
          }
        }
      }
    }
    return components;
  }

  private buffer(size: number): Float64Array {
    if (this.scratchCost.length < size) this.scratchCost = new Float64Array(Math.max(size, this.scratchCost.length * 2));
    return this.scratchCost;
  }

  private ensure(n: number, m: number): void {
    if (this.u.length < n) {
      this.u = new Float64Array(n);
      this.visitedRows = new Uint8Array(n);
    }
    if (this.v.length < m) {
      this.v = new Float64Array(m);
      this.shortest = new Float64Array(m);
      this.path = new Int32Array(m);
      this.remaining = new Int32Array(m);
      this.visitedCols = new Uint8Array(m);
    }
  }

  /** Core solver for n ≤ m: every row is assigned. */
  private solveWide(cost: Float64Array, n: number, m: number, rowToCol: Int32Array, colToRow: Int32Array): void {
    this.ensure(n, m);
    const { u, v, shortest, path, remaining, visitedRows, visitedCols } = this;
    u.fill(0, 0, n);
    v.fill(0, 0, m);
    rowToCol.fill(-1);
    colToRow.fill(-1);
    if (n === m) {
      // Jonker–Volgenant column reduction: v_j = min_i c_ij keeps every reduced cost ≥ 0, and a
      // row that is the minimum of a column and still free takes it (a tight pair). Only valid
      // for square problems: rectangular ones need v = 0 on the columns left unassigned.
      for (let j = m - 1; j >= 0; j--) {
        let best = 0;
        let min = cost[j]!;
        for (let i = 1; i < n; i++) {
          const c = cost[i * m + j]!;
          if (c < min) {
            min = c;
            best = i;
          }
        }
        v[j] = min;
        if (rowToCol[best] === -1) {
          rowToCol[best] = j;
          colToRow[j] = best;
        }
      }
    }
    for (let current = 0; current < n; current++) {
      if (rowToCol[current] !== -1) continue;
      shortest.fill(Infinity, 0, m);
      visitedRows.fill(0, 0, n);
      visitedCols.fill(0, 0, m);
      for (let k = 0; k < m; k++) remaining[k] = m - 1 - k;
      let numRemaining = m;
      let minVal = 0;
      let i = current;
      let sink = -1;
      while (sink === -1) {
        visitedRows[i] = 1;
        let index = -1;
        let lowest = Infinity;
        const base = i * m;
        const ui = u[i]!;
        for (let k = 0; k < numRemaining; k++) {
          const j = remaining[k]!;
          const reduced = minVal + cost[base + j]! - ui - v[j]!;
          if (reduced < shortest[j]!) {
            path[j] = i;
            shortest[j] = reduced;
          }
          const s = shortest[j]!;
          if (s < lowest || (s === lowest && colToRow[j] === -1)) {
            lowest = s;
            index = k;
          }
        }
        minVal = lowest;
        if (index < 0 || !(minVal < Infinity)) throw new InfeasibleAssignment("cost matrix is infeasible (non-finite costs)");
        const j = remaining[index]!;
        if (colToRow[j] === -1) sink = j;
        else i = colToRow[j]!;
        visitedCols[j] = 1;
        remaining[index] = remaining[--numRemaining]!;
      }
      u[current] = u[current]! + minVal;
      for (let r = 0; r < n; r++) {
        if (visitedRows[r] && r !== current) u[r] = u[r]! + minVal - shortest[rowToCol[r]!]!;
      }
      for (let c = 0; c < m; c++) {
        if (visitedCols[c]) v[c] = v[c]! - (minVal - shortest[c]!);
      }
      let j = sink;
      for (;;) {
        const r = path[j]!;
        colToRow[j] = r;
        const previous = rowToCol[r]!;
        rowToCol[r] = j;
        j = previous;
        if (r === current) break;
      }
    }
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
