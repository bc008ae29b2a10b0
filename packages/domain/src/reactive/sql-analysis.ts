/**
 * Reads and writes of a SQL cell.
 * Reads: `{name}` placeholders (as the SQL kernel binds them) and the tables the query references (another cell may define them:
 * a `CREATE TABLE/VIEW` cell, or a Python data frame the SQL engine scans by name).
 * Writes: `CREATE TABLE/VIEW` names.
 *
 * node-sql-parser knows PostgreSQL, not every DuckDB extension; when it cannot parse a query we
 * fall back to a lexical scan rather than blocking a query the engine would run.
 */
import { createRequire } from "node:module";
import type { Parser } from "node-sql-parser";
import type { CellAnalysis } from "./analysis.js";
import { isPrivateName, sortedUnique } from "./names.js";

let sqlParser: Parser | undefined;

/**
 * node-sql-parser's PostgreSQL build, loaded when the first SQL cell is analysed rather than with
 * the module (issue 11, start-up: the whole package, every dialect in one 2.4 MB file imported as
 * ESM, cost a host ~175 ms before it could answer anything; this build is a tenth of it, and
 * `require` skips the scan ESM makes of a CommonJS file for its exports).
 */
function parser(): Parser {
  if (!sqlParser) {
    const { Parser } = createRequire(import.meta.url)("node-sql-parser/build/postgresql") as typeof import("node-sql-parser");
    sqlParser = new Parser();
  }
  return sqlParser;
}
const PARAMETER_TOKEN = "__parallax_param_";
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;
const DEFAULT_SCHEMAS = new Set([null, "", "main", "public"]);

interface Placeholder {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/**
 * `{name}` placeholders outside quoted strings, quoted identifiers and comments — the ones the SQL
 * kernel binds as query parameters (`'{x}'` stays a literal).
 */
function findPlaceholders(code: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < code.length) {
    const char = code[i]!;
    if (char === "'" || char === '"') i = closingQuote(code, i, char);
    else if (char === "-" && code[i + 1] === "-") i = endOf(code.indexOf("\n", i), code.length);
    else if (char === "/" && code[i + 1] === "*") i = endOf(code.indexOf("*/", i + 2), code.length - 2) + 2;
    else if (char === "{") {
      const match = PLACEHOLDER.exec(code.slice(i, i + 256));
      if (match) found.push({ name: match[1]!, from: i, to: i + match[0].length });
      i += match ? match[0].length : 1;
    } else i++;
  }
  return found;
}

function endOf(index: number, fallback: number): number {
  return index < 0 ? fallback : index;
}

/** Index just past the closing quote; a doubled quote is an escaped one. */
function closingQuote(code: string, start: number, quote: string): number {
  for (let i = start + 1; i < code.length; i++) {
    if (code[i] !== quote) continue;
    if (code[i + 1] === quote) i++;
    else return i + 1;
  }
  return code.length;
}

/** The names of a SQL cell's `{name}` placeholders, in order of appearance. */
export function sqlPlaceholders(code: string): string[] {
  return findPlaceholders(code).map((placeholder) => placeholder.name);
}

/** Rewrites what node-sql-parser's PostgreSQL grammar lacks but DuckDB accepts. */
function normalize(code: string, placeholders: readonly Placeholder[]): string {
  let text = "";
  let last = 0;
  placeholders.forEach((placeholder, index) => {
    text += `${code.slice(last, placeholder.from)}${PARAMETER_TOKEN}${index}`;
    last = placeholder.to;
  });
  text += code.slice(last);
  return text.replace(/\bcreate\s+(?:or\s+replace\s+)?(?:temp|temporary)?\s*table\b/gi, "CREATE TABLE");
}

interface SqlNames {
  readonly tables: Set<string>;
  readonly created: Set<string>;
}

/** CTE names and created views are only visible in the AST, not in `tableList`. */
function collectFromAst(node: unknown, cteNames: Set<string>, created: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectFromAst(item, cteNames, created);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (record["type"] === "create" && record["keyword"] === "view") {
    const view = record["view"] as { db?: string | null; view?: string } | undefined;
    if (view?.view && DEFAULT_SCHEMAS.has(view.db ?? null)) created.add(view.view);
  }
  if (Array.isArray(record["with"])) {
    for (const cte of record["with"] as { name?: { value?: string } }[]) {
      if (cte.name?.value) cteNames.add(cte.name.value);
    }
  }
  for (const value of Object.values(record)) if (value !== null && typeof value === "object") collectFromAst(value, cteNames, created);
}

function parseNames(code: string): SqlNames | undefined {
  let result: { tableList: string[]; ast: unknown };
  try {
    result = parser().parse(code, { database: "postgresql" }) as { tableList: string[]; ast: unknown };
  } catch {
    return undefined;
  }
  const cteNames = new Set<string>();
  const created = new Set<string>();
  collectFromAst(result.ast, cteNames, created);
  const tables = new Set<string>();
  for (const entry of result.tableList) {
    const [kind, db, table] = entry.split("::");
    if (!table || !DEFAULT_SCHEMAS.has(db === "null" ? null : (db ?? null))) continue;
    if (kind === "create") created.add(table);
    else if (!cteNames.has(table)) tables.add(table);
  }
  return { tables, created };
}

const FROM_OR_JOIN = /\b(?:from|join|into|update)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi;
const CREATE = /\bcreate\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?(?:table|view)\s+(?:if\s+not\s+exists\s+)?([A-Za-z_][A-Za-z0-9_]*)/gi;
const WITH_NAME = /(?:\bwith|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s+as\s*\(/gi;

function scanNames(code: string): SqlNames {
  const withoutStrings = code.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, "");
  const cteNames = new Set([...withoutStrings.matchAll(WITH_NAME)].map((match) => match[1]!));
  const created = new Set([...withoutStrings.matchAll(CREATE)].map((match) => match[1]!));
  const tables = new Set(
    [...withoutStrings.matchAll(FROM_OR_JOIN)].map((match) => match[1]!).filter((name) => !cteNames.has(name)),
  );
  return { tables, created };
}

export function analyzeSql(code: string): CellAnalysis {
  const placeholders = findPlaceholders(code);
  const normalized = normalize(code, placeholders);
  const names = parseNames(normalized) ?? scanNames(normalized);
  const tables = [...names.tables].filter((table) => !table.startsWith(PARAMETER_TOKEN));
  const reads = [...placeholders.map((placeholder) => placeholder.name), ...tables];
  return {
    reads: sortedUnique(reads.filter((name) => !names.created.has(name) && !isPrivateName(name))),
    writes: sortedUnique([...names.created].filter((name) => !isPrivateName(name))),
  };
}
