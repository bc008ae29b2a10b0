/**
 * `npm run bench -- NAME [args]` runs bench/NAME.bench.ts, whose `main(args)` prints one JSON
 * object per benchmark on stdout. `npm run bench` alone lists the benchmarks.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .map((file) => file.replace(/\.bench\.ts$/, ""));

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join("|")}> [args]\n`);
  process.exit(name ? 2 : 0);
}
const module = (await import(pathToFileURL(`${here}/${name}.bench.ts`).href)) as { main(args: string[]): Promise<void> };
await module.main(args);
