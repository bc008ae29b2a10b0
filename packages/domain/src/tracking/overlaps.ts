/**
 * The overlapping pairs between two packed xyxy box batches, with their IoU: the sparse form of
 * `iouMatrix`. In a frame each box overlaps only a few others, so instead of testing all
 * na × nb pairs the second batch is bucketed on a grid and each box of the first batch only visits
 * the cells its extent can reach (about O(na + nb + pairs) instead of O(na · nb)).
 *
 * Every pair missing from the result has IoU exactly 0 in `iouMatrix`, and every listed IoU is
 * computed with the same arithmetic, so consumers get bit-identical values. Pairs are grouped by
 * row (compressed sparse rows): row i's pairs are at [rowStart[i], rowStart[i + 1]).
 */
export class OverlapFinder {
  rowStart = new Int32Array(1);
  cols = new Int32Array(0);
  ious = new Float64Array(0);
  private cellStart = new Int32Array(0);
  private members = new Int32Array(0);
  private cellOf = new Int32Array(0);

  /** Finds the overlapping pairs of a (na boxes) × b (nb boxes); returns how many there are. */
  find(a: Float64Array, na: number, b: Float64Array, nb: number): number {
    if (this.rowStart.length < na + 1) this.rowStart = new Int32Array(2 * na + 1);
    this.rowStart[0] = 0;
    if (na === 0 || nb === 0) {
      this.rowStart.fill(0, 0, na + 1);
      return 0;
    }
    // NaN or infinite coordinates cannot be placed on the grid: test every pair then.
    return allFinite(a, 4 * na) && allFinite(b, 4 * nb) ? this.sweep(a, na, b, nb) : this.everyPair(a, na, b, nb);
  }

  private sweep(a: Float64Array, na: number, b: Float64Array, nb: number): number {
    // Bucket b's boxes by their top-left corner (counting sort, no comparisons) into grid cells
    // at least as wide and tall as the largest box, so a box of a only visits the few cells its
    // extent can reach.
    let minX1 = Infinity, maxX1 = -Infinity, minY1 = Infinity, maxY1 = -Infinity, maxWidth = 0, maxHeight = 0;
    for (let j = 0; j < nb; j++) {
      const x1 = b[4 * j]!, y1 = b[4 * j + 1]!;
      if (x1 < minX1) minX1 = x1;
      if (x1 > maxX1) maxX1 = x1;
      if (y1 < minY1) minY1 = y1;
      if (y1 > maxY1) maxY1 = y1;
      const width = b[4 * j + 2]! - x1, height = b[4 * j + 3]! - y1;
      if (width > maxWidth) maxWidth = width;
      if (height > maxHeight) maxHeight = height;
    }
    const spanX = maxX1 - minX1, spanY = maxY1 - minY1;
    let cellWidth = Math.max(maxWidth, spanX / (2 * nb), 1e-6 * (1 + Math.abs(minX1) + spanX));
    let cellHeight = Math.max(maxHeight, spanY / (2 * nb), 1e-6 * (1 + Math.abs(minY1) + spanY));
    let columns = Math.floor(spanX / cellWidth) + 1, rows = Math.floor(spanY / cellHeight) + 1;
    // At most ~4 cells per box: the grid's bookkeeping stays O(nb).
    while (columns * rows > 4 * nb + 4) {
      cellWidth *= 2;
      cellHeight *= 2;
      columns = Math.floor(spanX / cellWidth) + 1;
      rows = Math.floor(spanY / cellHeight) + 1;
    }
    const cells = columns * rows;
    if (this.cellStart.length < cells + 1) this.cellStart = new Int32Array(2 * cells + 2);
    if (this.members.length < nb) {
      this.members = new Int32Array(2 * nb);
      this.cellOf = new Int32Array(2 * nb);
    }
    const { cellStart, members, cellOf } = this;
    // floor((v − min) / cell) is monotone in v, so every value in [from, to] lands in the cells of from…to.
    const column = (x: number): number => {
      const k = Math.floor((x - minX1) / cellWidth);
      return k < 0 ? 0 : k >= columns ? columns - 1 : k;
    };
    const row = (y: number): number => {
      const k = Math.floor((y - minY1) / cellHeight);
      return k < 0 ? 0 : k >= rows ? rows - 1 : k;
    };
    // Counting sort: cell c's members end up at [cellStart[c], cellStart[c + 1]).
    cellStart.fill(0, 0, cells + 1);
    for (let j = 0; j < nb; j++) {
      const c = row(b[4 * j + 1]!) * columns + column(b[4 * j]!);
      cellOf[j] = c;
      cellStart[c]!++;
    }
    for (let c = 1; c <= cells; c++) cellStart[c]! += cellStart[c - 1]!;
    for (let j = nb - 1; j >= 0; j--) members[--cellStart[cellOf[j]!]!] = j;
    let count = 0;
    for (let i = 0; i < na; i++) {
      const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
      // A box overlapping this one has x1 < ax2 and x2 > ax1, hence x1 > ax1 − maxWidth (and the
      // same in y); the margins absorb rounding in those bounds (the exact test decides).
      const fromColumn = column(ax1 - maxWidth - 1e-9 * (1 + Math.abs(ax1) + maxWidth));
      const toColumn = column(ax2);
      const fromRow = row(ay1 - maxHeight - 1e-9 * (1 + Math.abs(ay1) + maxHeight));
      const toRow = row(ay2);
      for (let r = fromRow; r <= toRow; r++) {
        const end = cellStart[r * columns + toColumn + 1]!;
        for (let e = cellStart[r * columns + fromColumn]!; e < end; e++) count = this.test(ax1, ay1, ax2, ay2, b, members[e]!, count);
      }
      this.rowStart[i + 1] = count;
    }
    return count;
  }

  private everyPair(a: Float64Array, na: number, b: Float64Array, nb: number): number {
    let count = 0;
    for (let i = 0; i < na; i++) {
      for (let j = 0; j < nb; j++) count = this.test(a[4 * i]!, a[4 * i + 1]!, a[4 * i + 2]!, a[4 * i + 3]!, b, j, count);
      this.rowStart[i + 1] = count;
    }
    return count;
  }

  /** Records (j, IoU) when box j of b overlaps the given box; same arithmetic as iouMatrix. */
  private test(ax1: number, ay1: number, ax2: number, ay2: number, b: Float64Array, j: number, count: number): number {
    const k = 4 * j;
    const bx1 = b[k]!, by1 = b[k + 1]!, bx2 = b[k + 2]!, by2 = b[k + 3]!;
    const iw = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
    const ih = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
    if (iw <= 0 || ih <= 0) return count;
    const inter = iw * ih;
    const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
    const value = union > 0 ? inter / union : 0;
    if (!(value > 0)) return count;
    if (this.cols.length <= count) this.grow(count + 1);
    this.cols[count] = j;
    this.ious[count] = value;
    return count + 1;
  }

  private grow(size: number): void {
    const capacity = Math.max(size, 2 * this.cols.length, 64);
    const cols = new Int32Array(capacity);
    const ious = new Float64Array(capacity);
    cols.set(this.cols);
    ious.set(this.ious);
    this.cols = cols;
    this.ious = ious;
  }
}

function allFinite(values: Float64Array, length: number): boolean {
  for (let k = 0; k < length; k++) if (!Number.isFinite(values[k]!)) return false;
  return true;
}
