import { parse, type Node, type Program } from "acorn";

export interface RewrittenCell {
  /** The cell as a sloppy-mode script whose top-level declarations became global assignments. */
  code: string;
  /** Whether the script's completion value (or, for an async cell, its promise's value) is the cell's output. */
  hasResult: boolean;
  /** The cell uses top-level `await`: the script evaluates to a promise the driver awaits. */
  isAsync: boolean;
  /**
   * No loop, call, construction, `await`, `import()` or class: the cell can only run long
   * through a getter, proxy or conversion an earlier cell defined. Such a cell runs without the
   * vm's timeout, whose watchdog thread costs each run more than the cell (0.1 ms); one that
   * does hang is ended by the kernel's own stop, with the kernel.
   */
  straightLine: boolean;
}

/** Node types that run code again or elsewhere (a function's body runs only when called). */
const RUNS_CODE = new Set([
  "WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement",
  "CallExpression", "NewExpression", "TaggedTemplateExpression", "AwaitExpression", "ImportExpression",
  "ClassDeclaration", "ClassExpression",
]);

const DEFINES_CODE = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function runsCode(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(runsCode);
  if (node === null || typeof node !== "object") return false;
  const type = (node as { type?: unknown }).type as string;
  if (RUNS_CODE.has(type)) return true;
  if (DEFINES_CODE.has(type)) return false;
  return Object.values(node).some((child) => typeof child === "object" && runsCode(child));
}

function parseCell(source: string): { program: Program; isAsync: boolean } {
  try {
    return { program: parse(source, { ecmaVersion: "latest", sourceType: "script" }), isAsync: false };
  } catch (error) {
    try {
      return { program: parse(source, { ecmaVersion: "latest", sourceType: "script", allowAwaitOutsideFunction: true }), isAsync: true };
    } catch {
      throw error;
    }
  }
}

/**
 * Cells of one notebook share a global scope, and a cell may run again and again. Top-level
 * `const`/`let`/`class`/`function` declarations would be non-configurable script bindings
 * that cannot be redeclared nor deleted, so they become plain global assignments (which
 * re-running and `forget` can handle). Function declarations are hoisted to the top, as
 * JavaScript hoists them. A cell with top-level `await` runs as an async function whose
 * last expression is returned.
 */
export function rewriteCell(source: string): RewrittenCell {
  const { program, isAsync } = parseCell(source);
  const text = (node: Node) => source.slice(node.start, node.end);
  // Hoisted function declarations leave no trace at the end, so the statement before them counts.
  const last = program.body.filter((statement) => statement.type !== "FunctionDeclaration").at(-1);
  const hasResult = last?.type === "ExpressionStatement";
  const hoisted: string[] = [];
  let code = "";
  let cursor = 0;
  for (const statement of program.body) {
    let replacement: string | undefined;
    if (statement.type === "VariableDeclaration") {
      replacement = statement.declarations
        .map(({ id, init }: { id: Node; init?: Node | null | undefined }) => {
          const value = init ? text(init) : "undefined";
          return id.type === "Identifier" ? `${text(id)} = ${value};` : `(${text(id)} = ${value});`;
        })
        .join(" ");
    } else if (statement.type === "FunctionDeclaration") {
      hoisted.push(`${text(statement.id)} = (${text(statement)});`);
      replacement = "";
    } else if (statement.type === "ClassDeclaration") {
      replacement = `${text(statement.id)} = (${text(statement)});`;
    } else if (isAsync && statement === last && statement.type === "ExpressionStatement") {
      replacement = `return (${text(statement.expression)});`;
    }
    if (replacement === undefined) continue;
    code += source.slice(cursor, statement.start) + replacement;
    cursor = statement.end;
  }
  code += source.slice(cursor);
  const body = hoisted.length > 0 ? `${hoisted.join("\n")}\n${code}` : code;
  return { code: isAsync ? `(async () => {\n${body}\n})()` : body, hasResult, isAsync, straightLine: !isAsync && !runsCode(program.body) };
}
