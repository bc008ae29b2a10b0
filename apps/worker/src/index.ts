/**
 * `@parallax/worker`: the headless job worker as a library (`runWorker`), for programs that
 * run it in their own process. The `parallax` CLI (`cli.ts`) and `npm run worker` (`main.ts`)
 * are its command-line faces; they are not exported.
 */
export { runWorker, type RunWorkerOptions } from "./run-worker.js";
