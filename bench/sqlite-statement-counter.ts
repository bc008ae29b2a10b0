/**
 * Counts the SQLite statements better-sqlite3 runs (`run`, `get`, `all`, `iterate` of every
 * prepared statement, by its SQL's first words) while a piece of code runs: the statements a
 * store issues per job, independent of the machine's speed.
 */
import Database from "better-sqlite3";

type Method = (this: Database.Statement, ...args: unknown[]) => unknown;
const METHODS = ["run", "get", "all", "iterate"] as const;

/** The statement's kind and table: `UPDATE jobs`, `INSERT INTO job_log_chunks`, `COMMIT`. */
function label(sql: string): string {
  const words = sql.trim().replace(/\s+/g, " ").split(" ");
  if (words[0] === "SELECT") {
    const from = words.indexOf("FROM");
    return `SELECT … FROM ${words[from + 1] ?? "?"}${words[from + 2] === "INDEXED" ? ` INDEXED BY ${words[from + 4]}` : ""}`;
  }
  if (words[0] === "INSERT") return words.slice(0, 3).join(" ");
  if (words[0] === "UPDATE") return words.slice(0, 2).join(" ");
  return words.slice(0, 2).join(" ");
}

export async function countSqliteStatements<A>(body: () => Promise<A>): Promise<{ value: A; statements: Record<string, number>; total: number }> {
  const probe = new Database(":memory:");
  const prototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<(typeof METHODS)[number], Method>;
  probe.close();
  const statements: Record<string, number> = {};
  const originals = METHODS.map((name) => [name, prototype[name]] as const);
  for (const [name, original] of originals) {
    prototype[name] = function (this: Database.Statement, ...args: unknown[]) {
      const key = label(this.source);
      statements[key] = (statements[key] ?? 0) + 1;
      return original.apply(this, args);
    };
  }
  try {
    const value = await body();
    return { value, statements, total: Object.values(statements).reduce((sum, count) => sum + count, 0) };
  } finally {
    for (const [name, original] of originals) prototype[name] = original;
  }
}
