/**
 * The core of the Jonker–Volgenant solver: shortest augmenting paths with dual variables for a
 * dense n × m cost matrix with n ≤ m (every row gets a column). Work buffers are kept and reused
 * between calls; LinearAssignmentSolver builds the public API (rectangular, cost limits) on it.
 */
export class InfeasibleAssignment extends Error {}

export class ShortestAugmentingPaths {
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private shortest = new Float64Array(0);
  private path = new Int32Array(0);
  private remaining = new Int32Array(0);
  private visitedRows = new Uint8Array(0);
  private visitedCols = new Uint8Array(0);

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

  /** Solves a row-major n × m matrix with n ≤ m: every row is assigned. */
  solve(cost: Float64Array, n: number, m: number, rowToCol: Int32Array, colToRow: Int32Array): void {
    this.ensure(n, m);
    const { u, v, shortest, path, remaining, visitedRows, visitedCols } = this;
    // Plain loops rather than fill(): components are often tiny and fill() is a builtin call.
    for (let i = 0; i < n; i++) {
      u[i] = 0;
      rowToCol[i] = -1;
    }
    for (let j = 0; j < m; j++) {
      v[j] = 0;
      colToRow[j] = -1;
    }
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
      for (let i = 0; i < n; i++) visitedRows[i] = 0;
      for (let k = 0; k < m; k++) {
        shortest[k] = Infinity;
        visitedCols[k] = 0;
        remaining[k] = m - 1 - k;
      }
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
