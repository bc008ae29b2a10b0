import type { JsonValue } from "@parallax/domain/notebook";

export interface Table {
  columns: string[];
  rows: JsonValue[][];
  truncated: boolean;
}

export interface Engine {
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
