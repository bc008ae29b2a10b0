/**
 * The overlapping pairs between two packed xyxy box batches, with their IoU: the sparse form of
 * `iouMatrix`. In a frame each box overlaps only a few others, so instead of testing all
 * na × nb pairs the second batch is sorted by x1 and each box of the first batch only visits the
 * boxes whose x-range can reach it (O((na + nb) log nb + pairs) instead of O(na · nb)).
 *
 * Every pair missing from the result has IoU exactly 0 in `iouMatrix`, and every listed IoU is
 * computed with the same arithmetic, so consumers get bit-identical values. Pairs are grouped by
 * row (compressed sparse rows): row i's pairs are at [rowStart[i], rowStart[i + 1]).
 */
export class OverlapFinder {
  rowStart = new Int32Array(1);
  cols = new Int32Array(0);
  ious = new Float64Array(0);
  private order = new Int32Array(0);
  private sortedX1 = new Float64Array(0);

  /** Finds the overlapping pairs of a (na boxes) × b (nb boxes); returns how many there are. */
  find(a: Float64Array, na: number, b: Float64Array, nb: number): number {
    if (this.rowStart.length < na + 1) this.rowStart = new Int32Array(2 * na + 1);
    this.rowStart[0] = 0;
    if (na === 0 || nb === 0) {
      this.rowStart.fill(0, 0, na + 1);
      return 0;
    }
    // NaN or infinite coordinates would break the sort order: test every pair then.
    return allFinite(a, 4 * na) && allFinite(b, 4 * nb) ? this.sweep(a, na, b, nb) : this.everyPair(a, na, b, nb);
  }

  private sweep(a: Float64Array, na: number, b: Float64Array, nb: number): number {
    if (this.order.length < nb) {
      this.order = new Int32Array(2 * nb);
      this.sortedX1 = new Float64Array(2 * nb);
    }
    const order = this.order.subarray(0, nb);
    let maxWidth = 0;
    for (let j = 0; j < nb; j++) {
      order[j] = j;
      const width = b[4 * j + 2]! - b[4 * j]!;
      if (width > maxWidth) maxWidth = width;
    }
    order.sort((p, q) => b[4 * p]! - b[4 * q]!);
    const sortedX1 = this.sortedX1;
    for (let k = 0; k < nb; k++) sortedX1[k] = b[4 * order[k]!]!;
    let count = 0;
    for (let i = 0; i < na; i++) {
      const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
      // A box overlapping this one has x2 > ax1, hence x1 > ax1 − maxWidth; the margin absorbs
      // rounding in that bound (the exact test below decides).
      const from = ax1 - maxWidth - 1e-9 * (1 + Math.abs(ax1) + maxWidth);
      let lo = 0, hi = nb;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sortedX1[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < nb && sortedX1[k]! < ax2; k++) {
        const j = order[k]!;
        count = this.test(ax1, ay1, ax2, ay2, b, j, count);
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
