/**
 * Reads and writes of a JavaScript cell, from the acorn syntax tree.
 * Writes: the cell's top-level declarations (`var` hoisted from top-level blocks included).
 * Reads: identifiers that no enclosing scope declares, excluding the runtime's globals.
 */
import { parse, type Node } from "acorn";
import { base as acornBase, recursive, type RecursiveVisitors } from "acorn-walk";
import type { CellAnalysis } from "./analysis.js";
import { JAVASCRIPT_GLOBALS } from "./builtins.js";
import { isPrivateName, sortedUnique } from "./names.js";

class JsScope {
  readonly declared = new Set<string>();
  readonly references = new Set<string>();
  readonly children: JsScope[] = [];

  constructor(
    readonly parent: JsScope | undefined,
    readonly isFunction: boolean,
  ) {
    parent?.children.push(this);
  }

  /** The scope `var` and sloppy function declarations hoist to. */
  hoistTarget(): JsScope {
    let scope: JsScope = this;
    while (!scope.isFunction && scope.parent) scope = scope.parent;
    return scope;
  }

  freeNames(into: Set<string> = new Set()): Set<string> {
    for (const name of this.references) if (!this.declared.has(name)) into.add(name);
    for (const child of this.children) {
      for (const name of child.freeNames()) if (!this.declared.has(name)) into.add(name);
    }
    return into;
  }
}

interface WalkState {
  readonly scope: JsScope;
  /** Set while walking a declaration's binding pattern: where its names are declared. */
  readonly declareIn?: JsScope;
}

// acorn-walk's typings omit the override argument and the pattern pseudo-types ("VariablePattern")
// its walker really uses; the fields read here are those of ESTree.
type AnyNode = Node & Record<string, any>;
type Walk = (node: AnyNode, state: WalkState, override?: string) => void;
type Visitor = (node: AnyNode, state: WalkState, c: Walk) => void;
const base = acornBase as unknown as Record<string, Visitor>;

const visitors: Record<string, Visitor> = {
  Identifier(node, state) {
    state.scope.references.add(node.name);
  },
  VariablePattern(node, state) {
    const name = node.name as string;
    if (state.declareIn) state.declareIn.declared.add(name);
    else state.scope.references.add(name);
  },
  AssignmentExpression(node, state, c) {
    const { scope } = state;
    base.AssignmentExpression!(node, { scope }, c);
  },
  VariableDeclaration(node, state, c) {
    const declaration = node;
    const declareIn = declaration.kind === "var" ? state.scope.hoistTarget() : state.scope;
    for (const declarator of declaration.declarations as AnyNode[]) {
      c(declarator.id, { scope: state.scope, declareIn }, "Pattern");
      if (declarator.init) c(declarator.init, { scope: state.scope }, "Expression");
    }
  },
  Function(node, state, c) {
    const fn = node;
    let outer = state.scope;
    if (fn.id) {
      if (fn.type === "FunctionDeclaration") outer.declared.add(fn.id.name);
      else {
        // A named function expression sees its own name, nobody else does.
        outer = new JsScope(outer, false);
        outer.declared.add(fn.id.name);
      }
    }
    const inner = new JsScope(outer, true);
    for (const param of fn.params as AnyNode[]) c(param, { scope: inner, declareIn: inner }, "Pattern");
    c(fn.body, { scope: inner }, fn.expression ? "Expression" : "Statement");
  },
  Class(node, state, c) {
    const cls = node;
    let outer = state.scope;
    if (cls.id) {
      if (cls.type === "ClassDeclaration") outer.declared.add(cls.id.name);
      else {
        outer = new JsScope(outer, false);
        outer.declared.add(cls.id.name);
      }
    }
    if (cls.superClass) c(cls.superClass, { scope: outer }, "Expression");
    c(cls.body, { scope: new JsScope(outer, false) });
  },
  BlockStatement(node, state, c) {
    base.BlockStatement!(node, { scope: new JsScope(state.scope, false) }, c);
  },
  StaticBlock(node, state, c) {
    base.StaticBlock!(node, { scope: new JsScope(state.scope, true) }, c);
  },
  ForStatement(node, state, c) {
    base.ForStatement!(node, { scope: new JsScope(state.scope, false) }, c);
  },
  ForInStatement(node, state, c) {
    base.ForInStatement!(node, { scope: new JsScope(state.scope, false) }, c);
  },
  ForOfStatement(node, state, c) {
    base.ForOfStatement!(node, { scope: new JsScope(state.scope, false) }, c);
  },
  CatchClause(node, state, c) {
    const clause = node;
    const scope = new JsScope(state.scope, false);
    if (clause.param) c(clause.param, { scope, declareIn: scope }, "Pattern");
    c(clause.body, { scope });
  },
  ImportDeclaration(node, state) {
    for (const specifier of node.specifiers as AnyNode[]) state.scope.declared.add(specifier.local.name);
  },
};

export function analyzeJavaScript(code: string): CellAnalysis {
  let program: Node;
  try {
    program = parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true });
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { reads: [], writes: [], error: `SyntaxError: ${error.message}` };
  }
  const cell = new JsScope(undefined, true);
  recursive(program, { scope: cell }, visitors as RecursiveVisitors<WalkState>);
  return {
    reads: sortedUnique([...cell.freeNames()].filter((name) => !isPrivateName(name) && !JAVASCRIPT_GLOBALS.has(name))),
    writes: sortedUnique([...cell.declared].filter((name) => !isPrivateName(name))),
  };
}
