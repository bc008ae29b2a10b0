import { describe, expect, it } from "vitest";
import { bindPlaceholders, splitStatements } from "./sql-placeholders.js";

describe("bindPlaceholders", () => {
  it.each([
    ["SELECT {y}", "SELECT $1", ["y"]],
    ["SELECT {a}, {b}, {a}", "SELECT $1, $2, $1", ["a", "b"]],
    ["SELECT '{y}', {y}", "SELECT '{y}', $1", ["y"]],
    ["SELECT 'it''s {y}' AS s", "SELECT 'it''s {y}' AS s", []],
    ['SELECT "{y}" FROM t', 'SELECT "{y}" FROM t', []],
    ["SELECT 1 -- {y}\n, {z}", "SELECT 1 -- {y}\n, $1", ["z"]],
    ["SELECT /* {y} */ {z}", "SELECT /* {y} */ $1", ["z"]],
    ["SELECT {1bad}, { y }, {_ok}", "SELECT {1bad}, { y }, $1", ["_ok"]],
    ["SELECT struct_pack(a := 1) AS s, {'k': 1} AS m", "SELECT struct_pack(a := 1) AS s, {'k': 1} AS m", []],
  ])("%s", (sql, text, names) => {
    expect(bindPlaceholders(sql)).toEqual({ text, names });
  });
});

describe("splitStatements", () => {
  it.each([
    ["SELECT 1", ["SELECT 1"]],
    ["SELECT 1;", ["SELECT 1"]],
    ["CREATE TABLE t (a INT); INSERT INTO t VALUES ({y});\nSELECT * FROM t", ["CREATE TABLE t (a INT)", " INSERT INTO t VALUES ({y})", "\nSELECT * FROM t"]],
    ["SELECT ';' AS s; SELECT 2 -- a; comment\n", ["SELECT ';' AS s", " SELECT 2 -- a; comment\n"]],
    ["SELECT \"a;b\" FROM t /* ; */", ["SELECT \"a;b\" FROM t /* ; */"]],
    ["  ;  -- only a comment", []],
  ])("%s", (sql, statements) => {
    expect(splitStatements(sql)).toEqual(statements);
  });
});
