import { parse, type Node } from "acorn";

export interface RewrittenCell {
  /** The cell as a sloppy-mode script whose top-level declarations became global assignments. */
  code: string;
  /** Whether the script's completion value is the cell's last expression (its output). */
  hasResult: boolean;
}

/**
 * Cells of one notebook share a global scope, and a cell may run again and again. Top-level
 * `const`/`let`/`class`/`function` declarations would be non-configurable script bindings
 * that cannot be redeclared nor deleted, so they become plain global assignments (which
 * re-running and `forget` can handle). Function declarations are hoisted to the top, as
 * JavaScript hoists them.
 */
export function rewriteCell(source: string): RewrittenCell {
  const program = parse(source, { ecmaVersion: "latest", sourceType: "script" });
  const text = (node: Node) => source.slice(node.start, node.end);
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
    }
    if (replacement === undefined) continue;
    code += source.slice(cursor, statement.start) + replacement;
    cursor = statement.end;
  }
  code += source.slice(cursor);
  // Hoisted function declarations leave no trace at the end, so the statement before them counts.
  const last = program.body.filter((statement) => statement.type !== "FunctionDeclaration").at(-1);
  const hasResult = last?.type === "ExpressionStatement";
  return { code: hoisted.length > 0 ? `${hoisted.join("\n")}\n${code}` : code, hasResult };
}
