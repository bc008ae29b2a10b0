import { parse, type Node, type Program } from "acorn";

export interface RewrittenCell {
  /** The cell as a sloppy-mode script whose top-level declarations became global assignments. */
  code: string;
  /** Whether the script's completion value (or, for an async cell, its promise's value) is the cell's output. */
  hasResult: boolean;
  /** The cell uses top-level `await`: the script evaluates to a promise the driver awaits. */
  isAsync: boolean;
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
  return { code: isAsync ? `(async () => {\n${body}\n})()` : body, hasResult, isAsync };
}
