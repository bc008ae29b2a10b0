// `npm run worker`: the headless worker, configured from the environment like the host.
import { run } from "./commands/worker.js";

// Exit explicitly: a job's stray handle must not keep a stopped worker alive.
process.exit(await run(process.argv.slice(2)));
