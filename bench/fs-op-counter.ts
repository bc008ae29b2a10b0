/**
 * Counts calls of the `node:fs` functions, synchronous and promised (`node:fs/promises`
 * and its file handles' read/write/stat/close), (each one a file operation of the
 * stores, e.g. `linkSync` = one link(2), `writeFileSync` = one open+write+close) while a
 * piece of code runs; calls made inside another counted call (`writeFileSync` opening its
 * file) are not counted again. Patches the module and re-syncs its ESM bindings, so stores that
 * `import { linkSync } from "node:fs"` are counted too.
 */
import fs from "node:fs";
import { devNull } from "node:os";
import { syncBuiltinESMExports } from "node:module";

const COUNTED = [
  "openSync", "closeSync", "readSync", "writeSync", "fstatSync", "statSync", "existsSync",
  "readFileSync", "writeFileSync", "appendFileSync", "readdirSync", "mkdirSync",
  "linkSync", "unlinkSync", "renameSync", "rmSync",
] as const;
const COUNTED_PROMISES = ["open", "readFile", "writeFile", "appendFile", "readdir", "mkdir", "stat", "access", "link", "unlink", "rename", "rm"] as const;
const COUNTED_HANDLE = ["read", "write", "stat"] as const;
const handlePrototype = await fs.promises.open(devNull, "r").then(async (handle) => {
  await handle.close();
  return Object.getPrototypeOf(handle) as Record<string, (...args: unknown[]) => unknown>;
});

export async function countFsOps<A>(body: () => Promise<A>): Promise<{ value: A; ops: Record<string, number>; total: number }> {
  type Table = Record<string, (...args: unknown[]) => unknown>;
  const restore: Array<() => void> = [];
  const ops: Record<string, number> = {};
  let depth = 0;
  const count = (table: Table, name: string, label: string) => {
    const original = table[name]!;
    restore.push(() => (table[name] = original));
    table[name] = function (this: unknown, ...args: unknown[]) {
      if (depth === 0) ops[label] = (ops[label] ?? 0) + 1;
      depth++;
      try {
        return original.apply(this, args);
      } finally {
        depth--;
      }
    };
  };
  for (const name of COUNTED) count(fs as unknown as Table, name, name);
  // Promised calls return at once, so one started inside another is not nested here: all count.
  for (const name of COUNTED_PROMISES) count(fs.promises as unknown as Table, name, `promises.${name}`);
  for (const name of COUNTED_HANDLE) count(handlePrototype, name, `handle.${name}`);
  // A file handle's `close` is an own property of each handle (Node 20), not the prototype's:
  // counted on the handles that the counted `open` answers.
  const promises = fs.promises as unknown as Table;
  const open = promises.open!;
  promises.open = function (this: unknown, ...args: unknown[]) {
    return (open.apply(this, args) as Promise<{ close: () => Promise<void> }>).then((handle) => {
      count(handle as unknown as Table, "close", "handle.close");
      return handle;
    });
  };
  restore.push(() => (promises.open = open));
  syncBuiltinESMExports();
  try {
    const value = await body();
    return { value, ops, total: Object.values(ops).reduce((a, b) => a + b, 0) };
  } finally {
    for (const undo of restore.reverse()) undo();
    syncBuiltinESMExports();
  }
}
