/**
 * Counts calls of the synchronous `node:fs` functions (each one a file operation of the
 * stores, e.g. `linkSync` = one link(2), `writeFileSync` = one open+write+close) while a
 * piece of code runs; calls made inside another counted call (`writeFileSync` opening its
 * file) are not counted again. Patches the module and re-syncs its ESM bindings, so stores that
 * `import { linkSync } from "node:fs"` are counted too.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const COUNTED = [
  "openSync", "closeSync", "readSync", "writeSync", "fstatSync", "statSync", "existsSync",
  "readFileSync", "writeFileSync", "appendFileSync", "readdirSync", "mkdirSync",
  "linkSync", "unlinkSync", "renameSync", "rmSync",
] as const;

export async function countFsOps<A>(body: () => Promise<A>): Promise<{ value: A; ops: Record<string, number>; total: number }> {
  const table = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  const ops: Record<string, number> = {};
  let depth = 0;
  for (const name of COUNTED) {
    const original = table[name]!;
    originals.set(name, original);
    table[name] = function (this: unknown, ...args: unknown[]) {
      if (depth === 0) ops[name] = (ops[name] ?? 0) + 1;
      depth++;
      try {
        return original.apply(this, args);
      } finally {
        depth--;
      }
    };
  }
  syncBuiltinESMExports();
  try {
    const value = await body();
    return { value, ops, total: Object.values(ops).reduce((a, b) => a + b, 0) };
  } finally {
    for (const [name, original] of originals) table[name] = original;
    syncBuiltinESMExports();
  }
}
