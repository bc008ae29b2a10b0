/**
 * Python name scopes for cell analysis.
 *
 * The cell and class bodies are resolved in textual order (a load is free only if the name was not
 * bound earlier in that body), whereas function and comprehension bodies follow Python's rule that a
 * name bound anywhere in the body is local throughout — so their loads are resolved once the whole
 * cell has been walked.
 */
export type ScopeKind = "cell" | "class" | "function" | "comprehension";

export class PythonScope {
  /** Cell/class: names bound so far. Function/comprehension: every local name. */
  readonly bound = new Set<string>();
  /** Cell/class: loads of names not bound at the time. Function/comprehension: every load. */
  readonly loads = new Set<string>();
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  readonly children: PythonScope[] = [];
  /** Names bound by the `except ... as e` handlers currently being walked (sequential scopes only). */
  private readonly handlerNames = new Map<string, number>();

  constructor(
    readonly kind: ScopeKind,
    readonly parent: PythonScope | undefined,
  ) {
    parent?.children.push(this);
  }

  get sequential(): boolean {
    return this.kind === "cell" || this.kind === "class";
  }

  cell(): PythonScope {
    let scope: PythonScope = this;
    while (scope.parent) scope = scope.parent;
    return scope;
  }

  load(name: string): void {
    if (this.sequential && (this.bound.has(name) || this.handlerNames.has(name))) return;
    this.loads.add(name);
  }

  store(name: string): void {
    if (this.nonlocals.has(name)) return;
    if (this.kind !== "cell" && this.globals.has(name)) {
      this.cell().bound.add(name);
      return;
    }
    this.bound.add(name);
  }

  /** Walrus targets inside a comprehension bind in the nearest enclosing non-comprehension scope. */
  storeFromNamedExpression(name: string): void {
    let scope: PythonScope = this;
    while (scope.kind === "comprehension" && scope.parent) scope = scope.parent;
    scope.store(name);
  }

  /** `except E as e` makes `e` local to the handler without defining it for other cells. */
  enterHandler(name: string): void {
    if (!this.sequential) {
      this.store(name);
      return;
    }
    this.handlerNames.set(name, (this.handlerNames.get(name) ?? 0) + 1);
  }

  leaveHandler(name: string): void {
    if (!this.sequential) return;
    const count = this.handlerNames.get(name) ?? 0;
    if (count <= 1) this.handlerNames.delete(name);
    else this.handlerNames.set(name, count - 1);
  }

  /** Names this scope (and its nested scopes) look up outside itself. */
  freeNames(into: Set<string> = new Set()): Set<string> {
    for (const name of this.loads) {
      if (this.sequential || !this.bound.has(name)) into.add(name);
    }
    for (const child of this.children) {
      for (const name of child.freeNames()) {
        // Class bodies do not enclose the functions defined in them, but give them the implicit
        // `__class__` cell that `super()` uses.
        if (this.kind === "class" ? name !== "__class__" : !this.bound.has(name)) into.add(name);
      }
    }
    return into;
  }
}
