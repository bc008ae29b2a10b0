import type { CellAnalysis } from "./analysis.js";
import type { Ordered } from "./notebook-order.js";

/** Internal vertex of the dependency graph; edges point at nodes so traversals avoid id lookups. */
export class GraphNode implements Ordered {
  key = 0;
  reads: readonly string[] = [];
  writes: readonly string[] = [];
  /** writer → reader edges, with the number of names that produce each edge. */
  readonly parents = new Map<GraphNode, number>();
  readonly children = new Map<GraphNode, number>();
  /** Members of this cell's strongly connected component when it lies on a cycle (shared set). */
  cycle: Set<GraphNode> | undefined;
  cycleMessage: string | undefined;
  private childCache: GraphNode[] | undefined;

  /** The children as an array (cached until the children change): traversals iterate it fastest. */
  childList(): readonly GraphNode[] {
    this.childCache ??= [...this.children.keys()];
    return this.childCache;
  }

  childrenChanged(): void {
    this.childCache = undefined;
  }

  /** Traversal stamps: a node is "visited" in a traversal when its stamp equals that traversal's epoch. */
  forwardMark = 0;
  backwardMark = 0;

  constructor(
    readonly id: string,
    public analysis: CellAnalysis,
  ) {}
}
