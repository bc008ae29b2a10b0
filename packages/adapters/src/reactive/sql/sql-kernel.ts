import { join } from "node:path";
import { DuckDBInstance, ResultReturnType, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { Effect, Semaphore } from "effect";
import pg from "pg";
import type { JsonValue, Output } from "@parallax/domain/notebook";
import { errorOutput, tableBundle } from "@parallax/domain/reactive";
import type { KernelRunResult } from "@parallax/application/reactive";
import { DEFAULT_MAX_OUTPUT_BYTES, limitOutputs, limitText } from "../output-limits.js";
import { serially } from "../serially.js";
import { duckdbTableJson } from "./duckdb-json.js";
import { bindPlaceholders, splitStatements } from "./sql-placeholders.js";

export const SQL_ROW_LIMIT = 1_000;

/** Values for `{name}` placeholders, looked up in the notebook's other kernels. */
export type ValueLookup = (names: readonly string[]) => Effect.Effect<{ values: Record<string, unknown>; missing: string[]; tooLarge?: string[] }>;

interface Table {
  columns: string[];
  rows: JsonValue[][];
  truncated: boolean;
}

interface Engine {
  query(text: string, values: unknown[], limit: number): Promise<Table>;
  interrupt(): void;
  /** False once the connection is gone (a PostgreSQL cancel or drop); the next cell reconnects. */
  alive(): boolean;
  close(): Promise<void>;
}

/**
 * Where an in-process DuckDB may reach: files under the notebook's working directory only, named by
 * absolute path (DuckDB checks a relative name before resolving it, and refuses it), `memoryMb` of
 * memory and as much spilled to disk, one thread. Settings are locked, so a cell cannot `SET` its
 * way out. PostgreSQL is the server's to limit.
 */
export interface SqlSandbox {
  memoryMb: number;
  workDir: () => Promise<string>;
}

/** A failed statement as a result: the message, also as the cell's error output. */
function failed(error: string): KernelRunResult {
  return { status: "error", outputs: [errorOutput(error)], error };
}

/**
 * SQL cells: DuckDB in process by default (one in-memory database per notebook, so a
 * `CREATE TABLE` in one cell is visible to the next); PostgreSQL when the notebook has a
 * connection string. Results are tables capped at 1,000 rows, with a note when cut, and at
 * `maxOutputBytes` (the leading rows that fit are kept).
 */
export class SqlKernel {
  private engine: Engine | undefined;
  private readonly lock = Semaphore.makeUnsafe(1);
  private replaced = 0;

  constructor(
    private connectionString: string | null,
    private readonly lookup: ValueLookup,
    private readonly timeoutMs: number,
    private readonly maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
    private readonly sandbox?: SqlSandbox,
  ) {}

  /** Changes when the database is replaced (another connection string): tables cells made there are gone. */
  get generation(): number {
    return this.replaced;
  }

  /**
   * Runs the cell's statements in order; the last one's rows are the output (a display, as a table is not a value).
   * Placeholder values are looked up first (in the other kernels, under their own locks).
   */
  run(code: string): Effect.Effect<KernelRunResult> {
    return Effect.suspend(() => {
      const statements = splitStatements(code).map(bindPlaceholders);
      const wanted = [...new Set(statements.flatMap((statement) => statement.names))];
      const found = wanted.length > 0 ? this.lookup(wanted) : Effect.succeed({ values: {}, missing: [] });
      return Effect.flatMap(found, ({ values, missing, tooLarge = [] }) => {
        if (missing.length > 0) return Effect.succeed(failed(`NameError: name '${missing[0]}' is not defined`));
        if (tooLarge.length > 0) return Effect.succeed(failed(`ValueError: '${tooLarge[0]}' is too large to bind as a query parameter`));
        if (statements.length === 0) return Effect.succeed<KernelRunResult>({ status: "success", outputs: [] });
        return serially(this.lock, (signal) => this.query(statements, values, signal));
      });
    });
  }

  private async query(statements: ReturnType<typeof bindPlaceholders>[], values: Record<string, unknown>, signal: AbortSignal): Promise<KernelRunResult> {
    let engine: Engine;
    try {
      engine = await this.ensureEngine();
    } catch (error) {
      return failed(`DatabaseError: ${(error as Error).message}`);
    }
    let timedOut = false;
    const stop = () => engine.interrupt();
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, this.timeoutMs);
    signal.addEventListener("abort", stop, { once: true });
    try {
      let table: Table | undefined;
      for (const statement of statements) {
        if (signal.aborted) return failed("Interrupted");
        table = await engine.query(statement.text, statement.names.map((name) => values[name]), SQL_ROW_LIMIT);
      }
      if (!table || table.columns.length === 0) return { status: "success", outputs: [] };
      // A table cut at SQL_ROW_LIMIT says so (`truncated`); its note for the editor is the notebook's to add.
      const outputs: Output[] = [{ output_type: "display_data", data: tableBundle(table), metadata: {} }];
      return { status: "success", outputs: limitOutputs(outputs, this.maxOutputBytes) };
    } catch (error) {
      if (timedOut) return failed(`TimeoutError: query timed out after ${this.timeoutMs / 1000} s`);
      return failed(limitText(`SQLError: ${(error as Error).message}`, this.maxOutputBytes));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
    }
  }

  /** Drops tables and views a deleted SQL cell created. */
  forget(names: readonly string[]): Effect.Effect<void> {
    return serially(this.lock, async () => {
      if (!this.engine) return;
      for (const name of names) {
        const quoted = `"${name.replaceAll('"', '""')}"`;
        // The name is a view or a table: dropping it as the other kind fails, by design.
        await this.engine.query(`DROP VIEW IF EXISTS ${quoted}`, [], 0).catch(() => undefined);
        await this.engine.query(`DROP TABLE IF EXISTS ${quoted}`, [], 0).catch(() => undefined);
      }
    });
  }

  setConnection(connectionString: string | null): Effect.Effect<void> {
    return serially(this.lock, async () => {
      if (connectionString === this.connectionString) return;
      this.connectionString = connectionString;
      this.replaced++;
      const engine = this.engine;
      this.engine = undefined;
      await engine?.close();
    });
  }

  close(): Effect.Effect<void> {
    return serially(this.lock, async () => {
      const engine = this.engine;
      this.engine = undefined;
      await engine?.close();
    });
  }

  private async ensureEngine(): Promise<Engine> {
    if (this.engine && !this.engine.alive()) {
      // Its connection is gone already (that is why it is replaced): closing it may fail, harmlessly.
      await this.engine.close().catch(() => undefined);
      this.engine = undefined;
    }
    this.engine ??= this.connectionString ? await postgres(this.connectionString, this.timeoutMs) : await duckdb(this.sandbox);
    return this.engine;
  }
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function duckdb(sandbox?: SqlSandbox): Promise<Engine> {
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

/** The server enforces the cell timeout itself (`statement_timeout`), so a runaway query stops there too. */
async function postgres(connectionString: string, timeoutMs: number): Promise<Engine> {
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
