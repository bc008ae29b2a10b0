/**
 * Cycle bookkeeping local to the part of the graph a change can affect.
 *
 * Every edge a change adds or removes touches the changed cell c, so:
 * - a component can only split if it contained c: re-run Tarjan on that component's members only;
 * - a component can only grow or appear through c: it is then descendants(c) ∩ ancestors(c).
 * Whether c lies on a cycle at all is decided by a bidirectional search that stops as soon as the
 * smaller side (c's descendants or its ancestors) is exhausted.
 */
import type { GraphNode } from "./graph-node.js";

export class CycleTracker {
  private epoch = 0;

  /** Traversal stamps are shared by every traversal of the graph, so they must come from one counter. */
  nextEpoch(): number {
    return ++this.epoch;
  }

  /** Recomputes the strongly connected components inside `members` (a former component). */
  split(members: Iterable<GraphNode>): void {
    const inside = new Set(members);
    for (const node of inside) {
      node.cycle = undefined;
      node.cycleMessage = undefined;
    }
    for (const component of tarjan(inside)) {
      if (component.length < 2) continue;
      const shared = new Set(component);
      for (const node of component) node.cycle = shared;
    }
  }

  /** If `node` now lies on a cycle, makes its whole component (merging older ones) cyclic. */
  joinCycles(node: GraphNode): void {
    if (node.parents.size === 0 || node.children.size === 0 || !this.reachesItself(node)) return;
    const forward = this.nextEpoch();
    walk(node, forward, "children");
    const backward = this.nextEpoch();
    walk(node, backward, "parents");
    const component = new Set<GraphNode>([node]);
    collect(node, forward, backward, component);
    for (const member of component) {
      member.cycle = component;
      member.cycleMessage = undefined;
    }
  }

  private reachesItself(node: GraphNode): boolean {
    const forward = this.nextEpoch();
    const backward = this.nextEpoch();
    node.forwardMark = forward;
    node.backwardMark = backward;
    const ahead: GraphNode[] = [...node.children.keys()];
    const behind: GraphNode[] = [...node.parents.keys()];
    for (const next of ahead) next.forwardMark = forward;
    for (const previous of behind) {
      if (previous.forwardMark === forward) return true;
      previous.backwardMark = backward;
    }
    while (ahead.length > 0 && behind.length > 0) {
      const next = ahead.pop()!;
      for (const child of next.children.keys()) {
        if (child.backwardMark === backward) return true;
        if (child.forwardMark !== forward) {
          child.forwardMark = forward;
          ahead.push(child);
        }
      }
      const previous = behind.pop()!;
      for (const parent of previous.parents.keys()) {
        if (parent.forwardMark === forward) return true;
        if (parent.backwardMark !== backward) {
          parent.backwardMark = backward;
          behind.push(parent);
        }
      }
    }
    return false;
  }

  /** `Circular dependency detected: a -> b -> a`, along a shortest cycle from `node` back to itself. */
  describe(node: GraphNode): string | undefined {
    const members = node.cycle;
    if (!members) return undefined;
    if (node.cycleMessage) return node.cycleMessage;
    const cameFrom = new Map<GraphNode, GraphNode>();
    const queue: GraphNode[] = [node];
    let last: GraphNode | undefined;
    for (let head = 0; head < queue.length && !last; head++) {
      const current = queue[head]!;
      for (const child of sortedByOrder(current.children.keys())) {
        if (!members.has(child)) continue;
        if (child === node) {
          last = current;
          break;
        }
        if (cameFrom.has(child)) continue;
        cameFrom.set(child, current);
        queue.push(child);
      }
    }
    const path: string[] = [node.id];
    for (let step = last; step && step !== node; step = cameFrom.get(step)) path.splice(1, 0, step.id);
    path.push(node.id);
    node.cycleMessage = `Circular dependency detected: ${path.join(" -> ")}`;
    return node.cycleMessage;
  }
}

function sortedByOrder(nodes: Iterable<GraphNode>): GraphNode[] {
  return [...nodes].sort((a, b) => a.key - b.key);
}

function walk(start: GraphNode, epoch: number, direction: "children" | "parents"): void {
  const stack = [start];
  const mark = direction === "children" ? "forwardMark" : "backwardMark";
  start[mark] = epoch;
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const next of current[direction].keys()) {
      if (next[mark] === epoch) continue;
      next[mark] = epoch;
      stack.push(next);
    }
  }
}

function collect(start: GraphNode, forward: number, backward: number, into: Set<GraphNode>): void {
  const stack = [start];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const child of current.children.keys()) {
      if (child.forwardMark === forward && child.backwardMark === backward && !into.has(child)) {
        into.add(child);
        stack.push(child);
      }
    }
  }
}

/** Iterative Tarjan restricted to `inside`. */
function tarjan(inside: Set<GraphNode>): GraphNode[][] {
  const index = new Map<GraphNode, number>();
  const low = new Map<GraphNode, number>();
  const onStack = new Set<GraphNode>();
  const stack: GraphNode[] = [];
  const components: GraphNode[][] = [];
  let counter = 0;
  for (const root of inside) {
    if (index.has(root)) continue;
    const work: { node: GraphNode; children: Iterator<GraphNode> }[] = [];
    const open = (node: GraphNode): void => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, children: node.children.keys() });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const step = frame.children.next();
      if (!step.done) {
        const child = step.value;
        if (!inside.has(child)) continue;
        if (!index.has(child)) open(child);
        else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: GraphNode[] = [];
        let member: GraphNode;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
