import { DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBValueConverter, type Json } from "@duckdb/node-api";

/**
 * DuckDB values as the JSON of a §B table. DuckDB's own JSON converter writes a non-finite
 * DOUBLE or FLOAT as the string "NaN"/"Infinity"; a table shows the absence of a number as
 * null (pandas' `to_json` does the same), so the editor never meets a number that is text.
 * 64/128-bit integers arrive as strings; those that fit a JavaScript number exactly read better
 * as numbers. Nested values (lists, structs, maps) are converted the same way, level by level.
 */
export const duckdbTableJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  if (type.typeId === DuckDBTypeId.DOUBLE || type.typeId === DuckDBTypeId.FLOAT) {
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }
  const json = JsonDuckDBValueConverter(value, type, converter);
  return WIDE_INTEGERS.has(type.typeId) ? safeInteger(json) : json;
};

const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

function safeInteger(value: Json | null): Json | null {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}
