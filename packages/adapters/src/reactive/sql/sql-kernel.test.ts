import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLE_MIME, noteTruncatedTables, viewOfOutputs } from "@parallax/domain/reactive";
import { SqlKernel } from "./sql-kernel.js";

const values: Record<string, unknown> = { y: 11, label: "it's", limit_rows: 2 };
const lookup = (names: readonly string[]) => Effect.succeed({
  values: Object.fromEntries(names.filter((n) => n in values).map((n) => [n, values[n]])),
  missing: names.filter((n) => !(n in values)),
});

/** The result with `shown`: what §B's editor gets from its nbformat outputs. */
async function run(kernel: SqlKernel, code: string) {
  const result = await Effect.runPromise(kernel.run(code));
  return { ...result, shown: viewOfOutputs(result.outputs).outputs };
}

describe("SqlKernel on DuckDB", () => {
  const kernel = new SqlKernel(null, lookup, 5_000);
  afterAll(() => Effect.runPromise(kernel.close()));

  it("binds placeholders as parameters, never as SQL text", async () => {
    const result = await run(kernel, "SELECT {y} + 1 AS next, {label} AS label, length({label}) AS n");
    expect(result.shown).toEqual([{ mime_type: "application/json", data: { type: "table", columns: ["next", "label", "n"], rows: [[12, "it's", 4]] }, metadata: {} }]);
    // Stored as Jupyter would show a table: one display with HTML and text beside the table itself.
    expect(result.outputs).toMatchObject([{ output_type: "display_data", data: { "text/html": expect.stringContaining("<td>it's</td>"), "text/plain": expect.stringContaining("next") } }]);
  });

  it("keeps tables between cells and drops them when forgotten", async () => {
    await run(kernel, "CREATE TABLE people AS SELECT * FROM (VALUES ('ann', 31), ('bob', 42)) t(name, age)");
    expect((await run(kernel, "SELECT name FROM people WHERE age > {y} ORDER BY name LIMIT {limit_rows}")).shown[0]?.data).toEqual({
      type: "table",
      columns: ["name"],
      rows: [["ann"], ["bob"]],
    });
    await Effect.runPromise(kernel.forget(["people"]));
    const failed = await run(kernel, "SELECT * FROM people");
    expect(failed.error).toMatch(/^SQLError: .*people/);
    expect(failed.outputs).toMatchObject([{ output_type: "error", ename: "SQLError" }]);
  });

  it("runs several statements in order and shows the last one's rows; DDL shows nothing", async () => {
    const result = await run(kernel, "CREATE TABLE nums (n INT); INSERT INTO nums VALUES ({y}), ({limit_rows}); SELECT sum(n) AS total FROM nums");
    expect(result.shown[0]?.data).toEqual({ type: "table", columns: ["total"], rows: [[13]] });
    expect((await run(kernel, "CREATE VIEW nums_view AS SELECT * FROM nums")).outputs).toEqual([]);
  });

  it("names a missing placeholder value", async () => {
    expect((await run(kernel, "SELECT {nope}")).error).toBe("NameError: name 'nope' is not defined");
  });

  it("caps results at 1,000 rows, marked truncated (the notebook adds the note the editor shows)", async () => {
    const result = await run(kernel, "SELECT * FROM range(1001)");
    const data = result.shown[0]?.data as { rows: unknown[]; truncated: boolean };
    expect(data.rows).toHaveLength(1000);
    expect(data.truncated).toBe(true);
    expect(viewOfOutputs(noteTruncatedTables(result.outputs)).outputs[1]).toEqual({ mime_type: "text/plain", data: "[table truncated: first 1000 rows shown]", metadata: {} });
  });

  it("shows NaN and ±Infinity doubles and floats as null, at any depth, and a 'NaN' string as itself", async () => {
    const result = await run(kernel, "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '-inf'::FLOAT AS c, 1.5::DOUBLE AS d, ['nan'::DOUBLE, 2.0] AS l, {'x': 'inf'::DOUBLE} AS s, 'NaN' AS t, 9007199254740993::BIGINT AS big, 42::BIGINT AS small");
    expect(result.shown[0]?.data).toEqual({
      type: "table",
      columns: ["a", "b", "c", "d", "l", "s", "t", "big", "small"],
      rows: [[null, null, null, 1.5, [null, 2], { x: null }, "NaN", "9007199254740993", 42]],
    });
  });

  it("caps a result's bytes: the leading rows that fit and a note, or only a note", async () => {
    const small = new SqlKernel(null, (names) => Effect.succeed({ values: {}, missing: [], tooLarge: [...names] }), 5_000, 4096);
    try {
      const wide = await run(small, "SELECT repeat('x', 100) AS s FROM range(1000)");
      const rows = (wide.shown[0]?.data as { rows: unknown[] }).rows;
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.length).toBeLessThan(41);
      expect(wide.shown[1]).toEqual({ mime_type: "text/plain", data: `[output truncated: ${rows.length} of 1000 rows shown, 102.6 KiB > 4 KiB limit]`, metadata: {} });
      // Stored, the capped table is still one valid display (its HTML over the cap is dropped, with a note as its text), and the note another.
      expect(wide.outputs).toMatchObject([
        { output_type: "display_data", data: { [TABLE_MIME]: { truncated: true }, "text/plain": expect.stringMatching(/^\[output not shown: text\/html /) } },
        { output_type: "display_data", data: { "text/plain": expect.stringMatching(/^\[output truncated: /) } },
      ]);
      expect((await run(small, "SELECT repeat('y', 100000) AS s")).shown).toEqual([
        {
          mime_type: "text/plain",
          data: "[output not shown: application/vnd.parallax.table+json 97.7 KiB > 4 KiB limit]\n[output not shown: text/html 97.7 KiB > 4 KiB limit]",
          metadata: {},
        },
      ]);
      expect((await run(small, "SELECT {big}")).error).toBe("ValueError: 'big' is too large to bind as a query parameter");
    } finally {
      await Effect.runPromise(small.close());
    }
  });
});

const initdb = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
if (!initdb) console.warn("SqlKernel PostgreSQL test skipped: no initdb/postgres binaries on this machine");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!initdb)("SqlKernel on PostgreSQL (a throwaway local cluster)", () => {
  let running = false;
  let dir: string;
  let url: string;
  // postgres refuses to run as root; as root the cluster belongs to the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const wrap = (command: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "parallax-pg-"));
    if (asRoot) {
      chmodSync(dir, 0o700);
      const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim();
      const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim();
      chownSync(dir, Number(ids), Number(gid));
    }
    const [init, initArgs] = wrap("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "parallax", "--no-sync"]);
    const made = spawnSync(init, initArgs, { encoding: "utf8", timeout: 60_000 });
    if (made.status !== 0) throw new Error(`initdb failed: ${made.stderr}`);
    const port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const [ctl, args] = wrap("pg_ctl", ["start", "-w", "-t", "30", "-D", join(dir, "data"), "-l", join(dir, "log"), "-o", options]);
    const started = spawnSync(ctl, args, { encoding: "utf8", timeout: 60_000 });
    if (started.status !== 0) throw new Error(`pg_ctl start failed: ${started.stderr}`);
    running = true;
    url = `postgres://parallax@127.0.0.1:${port}/postgres`;
  }, 60_000);

  afterAll(() => {
    if (running) {
      const [ctl, args] = wrap("pg_ctl", ["stop", "-m", "immediate", "-w", "-t", "20", "-D", join(dir, "data")]);
      spawnSync(ctl, args, { timeout: 30_000 });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs SQL cells against the notebook's database with bound parameters and a server-side timeout", async () => {
    const kernel = new SqlKernel(null, lookup, 1_000);
    try {
      await Effect.runPromise(kernel.setConnection(url));
      expect((await run(kernel, "SELECT $$x$$ || {label} AS s, {y}::int * 2 AS doubled")).shown[0]?.data).toEqual({
        type: "table",
        columns: ["s", "doubled"],
        rows: [["xit's", 22]],
      });
      const big = await run(kernel, "SELECT generate_series(1, 1500) AS n");
      expect((big.shown[0]?.data as { rows: unknown[] }).rows).toHaveLength(1000);
      expect((await run(kernel, "SELECT pg_sleep(10)")).error).toMatch(/^(TimeoutError|SQLError)/);
      expect((await run(kernel, "SELECT 1 AS one")).shown[0]?.data).toEqual({ type: "table", columns: ["one"], rows: [[1]] });
    } finally {
      await Effect.runPromise(kernel.close());
    }
  });
});
