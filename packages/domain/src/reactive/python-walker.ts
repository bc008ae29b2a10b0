/**
 * The scope-aware walk over a @lezer/python syntax tree that records loads and stores per scope.
 * Node names follow node_modules/@lezer/python/src/python.grammar.
 */
import type { SyntaxNode } from "@lezer/common";
import { PythonScope } from "./python-scope.js";

/** A construct the parser accepts but Python rejects (e.g. assigning to a call). */
export class CellSyntaxError extends Error {}

const NON_ASCII = /[^\x00-\x7f]/;
const PUNCTUATION = new Set(["(", ")", "[", "]", "{", "}", ",", ":", "*", "**", ";"]);
const COMPREHENSIONS = new Set([
  "ComprehensionExpression",
  "ArrayComprehensionExpression",
  "DictionaryComprehensionExpression",
  "SetComprehensionExpression",
]);
const PATTERNS = new Set([
  "CapturePattern",
  "LiteralPattern",
  "AsPattern",
  "OrPattern",
  "AttributePattern",
  "SequencePattern",
  "MappingPattern",
  "StarPattern",
  "ClassPattern",
  "KeywordPattern",
]);

export function lineOf(code: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < code.length; i++) if (code.charCodeAt(i) === 10) line++;
  return line;
}

/** The children that carry meaning: comments may sit anywhere between them (`(a,  # note` newline `b) = pair`). */
function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (child.name !== "Comment") result.push(child);
  return result;
}

export class PythonWalker {
  /** CPython reads identifiers in NFKC (`ｗｉｄｔｈ` is `width`); most cells are ASCII and skip it. */
  private readonly normalize: boolean;

  constructor(private readonly code: string) {
    this.normalize = NON_ASCII.test(code);
  }

  private text(node: SyntaxNode): string {
    const text = this.code.slice(node.from, node.to);
    return this.normalize && NON_ASCII.test(text) ? text.normalize("NFKC") : text;
  }

  private fail(node: SyntaxNode, message: string): never {
    throw new CellSyntaxError(`SyntaxError: ${message} (line ${lineOf(this.code, node.from)})`);
  }

  visitChildren(node: SyntaxNode, scope: PythonScope): void {
    for (let child = node.firstChild; child; child = child.nextSibling) this.visit(child, scope);
  }

  visit(node: SyntaxNode, scope: PythonScope): void {
    switch (node.name) {
      case "VariableName":
        scope.load(this.text(node));
        return;
      case "AssignStatement":
        return this.assignment(node, scope);
      case "UpdateStatement":
        return this.update(node, scope);
      case "DeleteStatement":
        return this.deletion(node, scope);
      case "NamedExpression":
        return this.namedExpression(node, scope);
      case "ArgList":
        return this.argList(node, scope);
      case "ForStatement":
        return this.forStatement(node, scope);
      case "WithStatement":
        return this.withStatement(node, scope);
      case "TryStatement":
        return this.tryStatement(node, scope);
      case "FunctionDefinition":
        return this.functionDefinition(node, scope);
      case "ClassDefinition":
        return this.classDefinition(node, scope);
      case "LambdaExpression":
        return this.lambda(node, scope);
      case "TypeDefinition":
        return this.typeDefinition(node, scope);
      case "ImportStatement":
        return this.importStatement(node, scope);
      case "ScopeStatement":
        return this.scopeStatement(node, scope);
      case "MatchClause":
        return this.matchClause(node, scope);
      default:
        if (COMPREHENSIONS.has(node.name)) return this.comprehension(node, scope);
        return this.visitChildren(node, scope);
    }
  }

  /** Binds an assignment target: names are stored, attribute/subscript targets only read their parts. */
  private target(node: SyntaxNode, scope: PythonScope, store = (name: string) => scope.store(name)): void {
    switch (node.name) {
      case "VariableName":
        return store(this.text(node));
      case "MemberExpression":
        return this.visit(node, scope);
      case "TupleExpression":
      case "ArrayExpression":
      case "ParenthesizedExpression":
        for (const child of childrenOf(node)) this.target(child, scope, store);
        return;
      default:
        if (PUNCTUATION.has(node.name)) return;
        this.fail(node, "cannot assign to expression");
    }
  }

  private assignment(node: SyntaxNode, scope: PythonScope): void {
    const segments: SyntaxNode[][] = [[]];
    let annotation: SyntaxNode | undefined;
    for (const child of childrenOf(node)) {
      if (child.name === "AssignOp") segments.push([]);
      else if (child.name === "TypeDef") annotation = child;
      else segments[segments.length - 1]!.push(child);
    }
    if (segments.length > 1) for (const value of segments[segments.length - 1]!) this.visit(value, scope);
    if (annotation) this.visitChildren(annotation, scope);
    // `(x): int` without a value binds nothing: CPython only binds a bare name annotated alone.
    const only = segments.length === 1 && segments[0]!.length === 1 ? segments[0]![0] : undefined;
    if (only?.name === "ParenthesizedExpression" && childrenOf(only)[1]?.name === "VariableName") return;
    const targets = segments.length > 1 ? segments.slice(0, -1) : segments;
    for (const segment of targets) for (const target of segment) this.target(target, scope);
  }

  private update(node: SyntaxNode, scope: PythonScope): void {
    const children = childrenOf(node);
    const operator = children.findIndex((child) => child.name === "UpdateOp");
    const targets = children.slice(0, operator);
    // `x += v` loads x before it evaluates v and binds x again: the cell reads x too.
    for (const target of targets) this.target(target, scope, (name) => scope.load(name));
    for (const value of children.slice(operator + 1)) this.visit(value, scope);
    for (const target of targets) this.target(target, scope);
  }

  private deletion(node: SyntaxNode, scope: PythonScope): void {
    const names = (target: SyntaxNode): void => {
      if (target.name === "VariableName") {
        scope.load(this.text(target));
        if (!scope.sequential) scope.store(this.text(target));
      } else if (target.name === "TupleExpression" || target.name === "ArrayExpression" || target.name === "ParenthesizedExpression") {
        for (const child of childrenOf(target)) names(child);
      } else {
        this.visit(target, scope);
      }
    };
    for (const child of childrenOf(node).slice(1)) names(child);
  }

  private namedExpression(node: SyntaxNode, scope: PythonScope): void {
    const children = childrenOf(node);
    for (const value of children.slice(2)) this.visit(value, scope);
    const target = children[0];
    if (target?.name !== "VariableName") return this.fail(node, "cannot use assignment expressions with expression");
    scope.storeFromNamedExpression(this.text(target));
  }

  private argList(node: SyntaxNode, scope: PythonScope): void {
    const children = childrenOf(node);
    // `f(x for x in xs)`: the generator expression's clauses sit directly in the ArgList.
    if (children.some((child) => child.name === "for")) return this.comprehensionParts(children.slice(1, -1), scope);
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      const next = children[i + 1];
      if (child.name === "VariableName" && next?.name === "AssignOp") {
        const value = children[i + 2];
        if (value) this.visit(value, scope);
        if (this.text(next) === ":=") scope.storeFromNamedExpression(this.text(child));
        i += 2;
        continue;
      }
      this.visit(child, scope);
    }
  }

  private forStatement(node: SyntaxNode, scope: PythonScope): void {
    const children = childrenOf(node);
    const forAt = children.findIndex((child) => child.name === "for");
    const inAt = children.findIndex((child) => child.name === "in");
    const bodyAt = children.findIndex((child) => child.name === "Body");
    for (const iterable of children.slice(inAt + 1, bodyAt)) this.visit(iterable, scope);
    for (const target of children.slice(forAt + 1, inAt)) this.target(target, scope);
    for (const rest of children.slice(bodyAt)) this.visit(rest, scope);
  }

  private withStatement(node: SyntaxNode, scope: PythonScope): void {
    let bindNext = false;
    for (const child of childrenOf(node)) {
      if (child.name === "as") bindNext = true;
      else if (bindNext) {
        this.target(child, scope);
        bindNext = false;
      } else this.visit(child, scope);
    }
  }

  private tryStatement(node: SyntaxNode, scope: PythonScope): void {
    let handlerName: string | undefined;
    let inExcept = false;
    let bindNext = false;
    for (const child of childrenOf(node)) {
      if (child.name === "except") inExcept = true;
      else if (inExcept && (child.name === "as" || child.name === ",")) bindNext = true;
      else if (bindNext) {
        handlerName = this.text(child);
        bindNext = false;
      } else if (child.name === "Body") {
        if (handlerName !== undefined) scope.enterHandler(handlerName);
        this.visit(child, scope);
        if (handlerName !== undefined) scope.leaveHandler(handlerName);
        handlerName = undefined;
        inExcept = false;
      } else this.visit(child, scope);
    }
  }

  /** A scope holding PEP 695 type parameters, in which annotations (and the body) are evaluated. */
  private typeParameterScope(node: SyntaxNode, scope: PythonScope): PythonScope {
    const typeParams = node.getChild("TypeParamList");
    if (!typeParams) return scope;
    const annotationScope = new PythonScope("function", scope);
    for (const param of typeParams.getChildren("TypeParam")) {
      const name = param.getChild("VariableName");
      if (name) annotationScope.store(this.text(name));
      const bound = param.getChild("TypeDef");
      if (bound) this.visitChildren(bound, annotationScope);
    }
    return annotationScope;
  }

  /** Parameters bind in `body`; defaults are evaluated in `outer`, annotations in `annotations`. */
  private parameters(list: SyntaxNode, outer: PythonScope, annotations: PythonScope, body: PythonScope): void {
    // A default runs to the next comma: `b + c` in `p=b + c` is three siblings.
    let inDefault = false;
    for (const child of childrenOf(list)) {
      if (child.name === "AssignOp") inDefault = true;
      else if (child.name === ",") inDefault = false;
      else if (inDefault) this.visit(child, outer);
      else if (child.name === "VariableName") body.store(this.text(child));
      else if (child.name === "TypeDef") this.visitChildren(child, annotations);
    }
  }

  private functionDefinition(node: SyntaxNode, scope: PythonScope): void {
    const annotations = this.typeParameterScope(node, scope);
    const body = new PythonScope("function", annotations);
    for (const child of childrenOf(node)) {
      if (child.name === "ParamList") this.parameters(child, scope, annotations, body);
      else if (child.name === "TypeDef") this.visitChildren(child, annotations);
      else if (child.name === "Body") this.visit(child, body);
    }
    const name = node.getChild("VariableName");
    if (name) scope.store(this.text(name));
  }

  private classDefinition(node: SyntaxNode, scope: PythonScope): void {
    const outer = this.typeParameterScope(node, scope);
    const bases = node.getChild("ArgList");
    if (bases) this.visit(bases, outer);
    const body = node.getChild("Body");
    if (body) this.visit(body, new PythonScope("class", outer));
    const name = node.getChild("VariableName");
    if (name) scope.store(this.text(name));
  }

  private lambda(node: SyntaxNode, scope: PythonScope): void {
    const body = new PythonScope("function", scope);
    let afterParams = false;
    for (const child of childrenOf(node)) {
      if (child.name === "ParamList") {
        this.parameters(child, scope, scope, body);
        afterParams = true;
      } else if (child.name === ":") afterParams = true;
      else if (afterParams) this.visit(child, body);
    }
  }

  private typeDefinition(node: SyntaxNode, scope: PythonScope): void {
    const name = node.getChild("VariableName");
    if (name) scope.store(this.text(name));
    // The alias value is evaluated lazily, like a function body.
    const valueScope = new PythonScope("function", this.typeParameterScope(node, scope));
    for (const child of childrenOf(node)) {
      if (child.name !== "type" && child.name !== "TypeParamList" && child !== name) this.visit(child, valueScope);
    }
  }

  private importStatement(node: SyntaxNode, scope: PythonScope): void {
    // `from __future__ import x` is a compiler directive, not a name other cells could use.
    const module = node.firstChild?.nextSibling;
    if (node.firstChild?.name === "from" && module && this.text(module) === "__future__") return;
    let imported = false;
    let group: SyntaxNode[] = [];
    const bind = (): void => {
      if (group.length === 0) return;
      const alias = group.findIndex((child) => child.name === "as");
      const name = alias >= 0 ? group[alias + 1] : group.find((child) => child.name === "VariableName");
      if (name) scope.store(this.text(name));
      group = [];
    };
    for (const child of childrenOf(node)) {
      if (child.name === "import") imported = true;
      else if (!imported) continue;
      else if (child.name === "*") throw new CellSyntaxError("`import *` is not allowed in a notebook cell: name the imported names");
      else if (child.name === ",") bind();
      else if (child.name !== "(" && child.name !== ")") group.push(child);
    }
    bind();
  }

  private scopeStatement(node: SyntaxNode, scope: PythonScope): void {
    const isGlobal = node.firstChild?.name === "global";
    if (scope.kind === "cell") return;
    for (const name of node.getChildren("VariableName")) {
      (isGlobal ? scope.globals : scope.nonlocals).add(this.text(name));
    }
  }

  private matchClause(node: SyntaxNode, scope: PythonScope): void {
    for (const child of childrenOf(node)) {
      if (PATTERNS.has(child.name)) this.pattern(child, scope);
      else this.visit(child, scope);
    }
  }

  private pattern(node: SyntaxNode, scope: PythonScope): void {
    switch (node.name) {
      case "CapturePattern":
      case "AsPattern": {
        const children = childrenOf(node);
        for (const child of children) if (PATTERNS.has(child.name)) this.pattern(child, scope);
        const name = children[children.length - 1];
        if (name?.name === "VariableName") scope.store(this.text(name));
        return;
      }
      case "AttributePattern": {
        const base = node.getChild("VariableName");
        if (base) scope.load(this.text(base));
        return;
      }
      case "KeywordPattern":
        for (const child of childrenOf(node).slice(1)) this.pattern(child, scope);
        return;
      default:
        for (const child of childrenOf(node)) {
          if (PATTERNS.has(child.name) || child.name === "PatternArgList") this.pattern(child, scope);
          else if (child.name === "VariableName") scope.load(this.text(child));
        }
    }
  }

  /** The first iterable is evaluated outside the comprehension; everything else inside it. */
  private comprehension(node: SyntaxNode, scope: PythonScope): void {
    this.comprehensionParts(childrenOf(node).slice(1, -1), scope);
  }

  private comprehensionParts(children: readonly SyntaxNode[], scope: PythonScope): void {
    const inner = new PythonScope("comprehension", scope);
    const firstFor = children.findIndex((child) => child.name === "for" || child.name === "async");
    let part: "element" | "targets" | "iterable" | "condition" = "element";
    // The first iterable runs to the next clause: `a + b` in `for b in a + b` is three siblings.
    let clauses = 0;
    const elements = children.slice(0, firstFor);
    for (const child of children.slice(firstFor)) {
      if (child.name === "async") continue;
      if (child.name === "for") {
        part = "targets";
        clauses++;
      } else if (child.name === "in" && part === "targets") part = "iterable";
      else if (child.name === "if") {
        part = "condition";
        clauses++;
      } else if (part === "targets") this.target(child, inner);
      else this.visit(child, part === "iterable" && clauses === 1 ? scope : inner);
    }
    for (const element of elements) this.visit(element, inner);
  }
}
