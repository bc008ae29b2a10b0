import { join } from "node:path";
import { DuckDBInstance, ResultReturnType, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { duckdbTableJson } from "./duckdb-json.js";
import type { Engine, SqlSandbox } from "./sql-engine.js";

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** An in-memory DuckDB, confined to `sandbox` when there is one. */
export async function duckdbEngine(sandbox?: SqlSandbox): Promise<Engine> {
  const workDir = sandbox ? await sandbox.workDir() : undefined;
  const memory = `${sandbox?.memoryMb}MB`;
  const settings = workDir ? { memory_limit: memory, max_temp_directory_size: memory, threads: "1", temp_directory: join(workDir, ".duckdb-tmp") } : undefined;
  const instance = await DuckDBInstance.create(":memory:", settings);
  const connection: DuckDBConnection = await instance.connect();
  if (workDir) {
    // In this order: the directory is allowed before external access is turned off, and nothing changes once locked.
    for (const setting of [`SET allowed_directories = [${sqlString(`${workDir}/`)}]`, "SET enable_external_access = false", "SET lock_configuration = true"]) {
      await connection.run(setting);
    }
  }
  return {
    async query(text, values, limit) {
      const reader = await connection.streamAndReadUntil(text, limit + 1, values as DuckDBValue[]);
      // DDL (CREATE, DROP, SET...) has nothing to show.
      if (reader.returnType === ResultReturnType.NOTHING) return { columns: [], rows: [], truncated: false };
      const rows = reader.convertRows(duckdbTableJson).slice(0, limit + 1);
      return { columns: reader.columnNames(), rows: rows.slice(0, limit), truncated: rows.length > limit };
    },
    interrupt: () => connection.interrupt(),
    alive: () => true,
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
