import pg from "pg";
import type { JsonValue } from "@parallax/domain/notebook";
import type { Engine } from "./sql-engine.js";

/** The server enforces the cell timeout itself (`statement_timeout`), so a runaway query stops there too. */
export async function postgresEngine(connectionString: string, timeoutMs: number): Promise<Engine> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, statement_timeout: Math.ceil(timeoutMs) });
  let alive = true;
  // A dropped connection fails the running query; the next cell reconnects.
  client.on("error", () => (alive = false));
  client.on("end", () => (alive = false));
  await client.connect();
  return {
    async query(text, values, limit) {
      const result = await client.query({ text, values, rowMode: "array" });
      const rows = (result.rows as unknown[][]).map((row) => row.map(toJson));
      return { columns: (result.fields ?? []).map((field) => field.name), rows: rows.slice(0, limit), truncated: rows.length > limit };
    },
    interrupt: () => {
      // Ending the connection makes the server cancel the statement; the next cell reconnects.
      alive = false;
      void client.end().catch(() => undefined);
    },
    alive: () => alive,
    close: () => (alive ? client.end() : Promise.resolve()),
  };
}

function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  // PostgreSQL's NaN and ±Infinity doubles: a table shows the absence of a number as null.
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.parse(JSON.stringify(value)) as JsonValue;
  return value as JsonValue;
}
