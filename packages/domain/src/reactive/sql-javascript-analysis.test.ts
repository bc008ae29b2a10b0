import { describe, expect, it } from "vitest";
import { analyzeCell } from "./analysis.js";
import { sqlPlaceholders } from "./sql-analysis.js";

interface Case {
  readonly rule: string;
  readonly code: string;
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  readonly error?: string;
}

const sqlCases: readonly Case[] = [
  { rule: "placeholders are reads", code: "SELECT * FROM sales WHERE amount > {threshold} AND region = {region}", reads: ["region", "sales", "threshold"] },
  { rule: "joined tables are reads", code: "SELECT a.x, b.y FROM a JOIN b ON a.id = b.id", reads: ["a", "b"] },
  { rule: "subqueries", code: "SELECT * FROM (SELECT * FROM inner_t) q WHERE z IN (SELECT id FROM ids)", reads: ["ids", "inner_t"] },
  { rule: "CTE names are not reads", code: "WITH recent AS (SELECT * FROM events) SELECT * FROM recent", reads: ["events"] },
  { rule: "CREATE TABLE defines the table", code: "CREATE TABLE totals AS SELECT sum(v) FROM facts", reads: ["facts"], writes: ["totals"] },
  { rule: "CREATE OR REPLACE TABLE (DuckDB) defines the table", code: "CREATE OR REPLACE TABLE t2 AS SELECT * FROM t1", reads: ["t1"], writes: ["t2"] },
  { rule: "CREATE VIEW defines the view", code: "CREATE VIEW v AS SELECT * FROM base_table", reads: ["base_table"], writes: ["v"] },
  { rule: "CREATE TABLE with columns", code: "CREATE TABLE IF NOT EXISTS people (id INT, name TEXT)", writes: ["people"] },
  { rule: "a table created in the cell is not a read of it", code: "CREATE TABLE t AS SELECT 1 AS one; SELECT * FROM t", writes: ["t"] },
  { rule: "table functions are not reads", code: "SELECT * FROM read_csv('data.csv')", reads: [] },
  { rule: "placeholder used as a table", code: "SELECT count(*) FROM {df}", reads: ["df"] },
  { rule: "braces in string literals and comments are not placeholders", code: "SELECT '{x}' AS s, \"{y}\" FROM t -- {z}\n/* {w} */ WHERE a = {a}", reads: ["a", "t"] },
  { rule: "schema-qualified tables outside the default schema are not cell names", code: "SELECT * FROM other_db.items", reads: [] },
  { rule: "private placeholders are not reads", code: "SELECT {_local} AS v", reads: [] },
  { rule: "DuckDB syntax the parser lacks falls back to a lexical scan", code: "SELECT * FROM trips QUALIFY row_number() OVER () = 1", reads: ["trips"] },
];

const javascriptCases: readonly Case[] = [
  { rule: "top-level const/let/var are writes", code: "const a = 1; let b = 2; var c = 3;", writes: ["a", "b", "c"] },
  { rule: "free identifiers are reads", code: "const total = price * qty;", reads: ["price", "qty"], writes: ["total"] },
  { rule: "globals are excluded", code: "const t = Math.max(...values); console.log(JSON.stringify(t)); setTimeout(() => {}, 1);", reads: ["values"], writes: ["t"] },
  { rule: "function and class declarations are writes", code: "function f(p) { return p + q; }\nclass K extends Base { m() { return this.z + w; } }", reads: ["Base", "q", "w"], writes: ["K", "f"] },
  { rule: "destructuring declarations", code: "const { a, b: [c, ...d], e = dflt } = obj;", reads: ["dflt", "obj"], writes: ["a", "c", "d", "e"] },
  { rule: "block-scoped declarations are not writes, var hoists", code: "if (ok) { const inner = 1; var hoisted = inner; }", reads: ["ok"], writes: ["hoisted"] },
  { rule: "loop variables are local", code: "for (let i = 0; i < n; i++) { sum += i; }\nfor (const k of keys) {}", reads: ["keys", "n", "sum"] },
  { rule: "parameters and locals are not reads", code: "const f = (x, { y }) => { const z = x + y; return z; };", writes: ["f"] },
  { rule: "declarations are visible throughout the cell", code: "const g = () => later;\nconst later = 2;", writes: ["g", "later"] },
  { rule: "property names are not reads", code: "const o = { key: value, [computed]: 1, short }; o.prop;", reads: ["computed", "short", "value"], writes: ["o"] },
  { rule: "catch parameters are local", code: "try { risky(); } catch (err) { report(err); }", reads: ["report", "risky"] },
  { rule: "named function expressions see their own name only", code: "const h = function loop(n) { return n ? loop(n - 1) : done; };", reads: ["done"], writes: ["h"] },
  { rule: "imports are writes", code: "import lib, { part as alias } from 'lib';", writes: ["alias", "lib"] },
  { rule: "top-level await", code: "const data = await fetch(url);", reads: ["url"], writes: ["data"] },
  { rule: "assignment to an undeclared name reads it", code: "counter = counter + 1;", reads: ["counter"] },
  { rule: "labels are not names", code: "outer: for (const r of rows) { break outer; }", reads: ["rows"] },
  { rule: "private names", code: "const _scratch = 1; const shown = _scratch + _hidden;", writes: ["shown"] },
  { rule: "syntax error", code: "const x = (;", error: "SyntaxError" },
];

function check({ code, reads, writes, error }: Case, language: "sql" | "javascript"): void {
  const analysis = analyzeCell(language, code);
  if (error !== undefined) {
    expect(analysis.error).toContain(error);
    expect([analysis.reads, analysis.writes]).toEqual([[], []]);
    return;
  }
  expect(analysis.error).toBeUndefined();
  expect({ reads: analysis.reads, writes: analysis.writes }).toEqual({ reads: reads ?? [], writes: writes ?? [] });
}

describe("analyzeCell(sql)", () => {
  it.each(sqlCases)("$rule", (testCase) => check(testCase, "sql"));

  it("lists placeholders in order for binding", () => {
    expect(sqlPlaceholders("SELECT {a}, {b} FROM t WHERE c = {a} AND d = '{e}'")).toEqual(["a", "b", "a"]);
  });
});

describe("analyzeCell(javascript)", () => {
  it.each(javascriptCases)("$rule", (testCase) => check(testCase, "javascript"));

  it("reports pathologically nested code as an analysis error instead of throwing", () => {
    const analysis = analyzeCell("javascript", `const x = ${"(".repeat(100_000)}1${")".repeat(100_000)};`);
    expect(analysis.error).toBeDefined();
    expect([analysis.reads, analysis.writes]).toEqual([[], []]);
  });
});
