/**
 * Child process for the crash-safety test: saves one notebook in a loop through the real
 * FileNotebookStore until it is SIGKILLed. Version k of the notebook is `versionedNotebook(k)`.
 */
import { Effect } from "effect";
import { FileNotebookStore } from "./file-notebook.store.js";
import { versionedNotebook } from "./crash-writer.versions.js";

const [directory, startArg] = process.argv.slice(2);
const store = new FileNotebookStore(directory!);
let k = Number(startArg);
process.stdout.write("ready\n");
for (;;) {
  k++;
  await Effect.runPromise(store.put("crash.ipynb", versionedNotebook(k)));
}
