/**
 * Kahn's algorithm over the planned cells with a min-heap on notebook position, so among the cells
 * that are ready the earliest in the notebook runs first. Cells on a cycle never become ready; they
 * are released in notebook order (the scheduler will not run them: they are in error).
 */
import type { GraphNode } from "./graph-node.js";

/** `planned` are the nodes stamped with `epoch` (their forwardMark). */
export function topologicalPlan(planned: readonly GraphNode[], epoch: number): GraphNode[] {
  const pending = new Map<GraphNode, number>();
  for (const node of planned) {
    let count = 0;
    for (const parent of node.parents.keys()) if (parent.forwardMark === epoch) count++;
    pending.set(node, count);
  }
  const heap = new MinHeap();
  for (const [node, count] of pending) if (count === 0) heap.push(node);
  const result: GraphNode[] = [];
  const emitted = new Set<GraphNode>();
  while (result.length < planned.length) {
    let next = heap.pop();
    if (!next) {
      for (const node of planned) if (!emitted.has(node) && (!next || node.key < next.key)) next = node;
    }
    if (!next || emitted.has(next)) continue;
    emitted.add(next);
    result.push(next);
    for (const child of next.children.keys()) {
      const count = pending.get(child);
      if (count === undefined || emitted.has(child)) continue;
      pending.set(child, count - 1);
      if (count - 1 === 0) heap.push(child);
    }
  }
  return result;
}

class MinHeap {
  private readonly items: GraphNode[] = [];

  push(node: GraphNode): void {
    const items = this.items;
    items.push(node);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.key <= node.key) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = node;
  }

  pop(): GraphNode | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const smaller = right < items.length && items[right]!.key < items[left]!.key ? right : left;
      if (items[smaller]!.key >= last.key) break;
      items[i] = items[smaller]!;
      i = smaller;
    }
    items[i] = last;
    return top;
  }
}
