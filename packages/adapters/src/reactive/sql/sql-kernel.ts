import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import type { JsonValue, Output } from "@parallax/domain/notebook";
import { errorOutput, tableBundle } from "@parallax/domain/reactive";
import type { KernelRunResult } from "@parallax/application/reactive";
import { DEFAULT_MAX_OUTPUT_BYTES, limitOutputs, limitText } from "../output-limits.js";
import { serially } from "../serially.js";
import type { Engine, SqlSandbox, Table } from "./sql-engine.js";
import { bindPlaceholders, splitStatements } from "./sql-placeholders.js";

export type { SqlSandbox } from "./sql-engine.js";

export const SQL_ROW_LIMIT = 1_000;

/** Values for `{name}` placeholders, looked up in the notebook's other kernels. */
export type ValueLookup = (names: readonly string[]) => Effect.Effect<{ values: Record<string, unknown>; missing: string[]; tooLarge?: string[] }>;

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
    // Each engine's driver is imported by the first cell that needs it: a host that never runs SQL never loads DuckDB or pg.
    this.engine ??= this.connectionString
      ? await (await import("./postgres-engine.js")).postgresEngine(this.connectionString, this.timeoutMs)
      : await (await import("./duckdb-engine.js")).duckdbEngine(this.sandbox);
    return this.engine;
  }
}
