// `npm run worker`: the headless worker, configured from the environment like the host.
import { run } from "./commands/worker.js";

process.exitCode = await run(process.argv.slice(2));
