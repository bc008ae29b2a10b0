// `node --import ./tests/support/record-loaded-modules.mjs ...`: when the process exits, writes the
// URL of every module it loaded (ESM through a load hook, CommonJS from require's cache) to the
// file LOADED_MODULES_FILE names, one a line. The start-up test and bench use it to show which
// capabilities a process paid for before it served anything.
import { writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";

const target = process.env.LOADED_MODULES_FILE;
if (target) {
  const loaded = new Set();
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (url) => loaded.add(url));
  // The hooks run on their own thread; an open port must not keep a finished process alive.
  port1.unref();
  register("./record-loaded-modules.hooks.mjs", import.meta.url, { data: { port: port2 }, transferList: [port2] });
  const requireCache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    for (const path of Object.keys(requireCache)) loaded.add(pathToFileURL(path).href);
    writeFileSync(target, [...loaded].join("\n") + "\n");
  });
}
