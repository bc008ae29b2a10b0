/**
 * Child process for the crash-safety test: saves one notebook in a loop through the real
 * FileNotebookStore until it is SIGKILLed. Version k of the notebook is `versionedNotebook(k)`.
 */
import { Effect } from "effect";
import { FileNotebookStore } from "./file-notebook.store.js";
import { versionedNotebook } from "./versioned-notebook.testkit.js";

const [directory, startArg] = process.argv.slice(2);
const store = new FileNotebookStore(directory!);
let k = Number(startArg);
for (;;) {
  k++;
  await Effect.runPromise(store.put("crash.ipynb", versionedNotebook(k)));
  // After the first write the parent picks its random moment, so every round kills a writer
  // that is busy (however loaded the machine is), not one still starting up.
  if (k === Number(startArg) + 1) process.stdout.write("wrote\n");
}
