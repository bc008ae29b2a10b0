import { parseArgs } from "node:util";
import type { Config } from "@parallax/adapters";

const usage = `usage: parallax worker [--concurrency N] [--id NAME] [--data-dir DIR] [--pipelines FILE]
                       [--lease-ms MS] [--heartbeat-ms MS] [--poll-ms MS] [--drain-ms MS]

Claims jobs from the store under DATA_DIR (shared with the HTTP host and other workers)
and runs them. Flags override the environment (WORKER_CONCURRENCY, WORKER_ID, DATA_DIR,
PIPELINES_FILE, JOB_LEASE_MS, JOB_HEARTBEAT_MS, JOB_POLL_MS, WORKER_DRAIN_MS).
On SIGTERM or SIGINT it stops claiming, lets running jobs finish for the drain time,
releases the rest to the queue, and exits 0.
`;

function overridesFrom(values: Record<string, string | boolean | undefined>): Partial<Config> {
  const overrides: Record<string, unknown> = {};
  const map: Record<string, keyof Config> = {
    concurrency: "WORKER_CONCURRENCY",
    id: "WORKER_ID",
    "data-dir": "DATA_DIR",
    pipelines: "PIPELINES_FILE",
    "lease-ms": "JOB_LEASE_MS",
    "heartbeat-ms": "JOB_HEARTBEAT_MS",
    "poll-ms": "JOB_POLL_MS",
    "drain-ms": "WORKER_DRAIN_MS",
  };
  for (const [flag, key] of Object.entries(map)) if (typeof values[flag] === "string") overrides[key] = values[flag];
  return overrides as Partial<Config>;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        concurrency: { type: "string" },
        id: { type: "string" },
        "data-dir": { type: "string" },
        pipelines: { type: "string" },
        "lease-ms": { type: "string" },
        "heartbeat-ms": { type: "string" },
        "poll-ms": { type: "string" },
        "drain-ms": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(usage);
    return 0;
  }
  // Loaded after the flags are read, so `--help` and a bad flag answer at once (the composition root takes ~0.5 s of CPU).
  const [{ ConfigError, loadConfig }, { runWorker }] = await Promise.all([import("@parallax/adapters"), import("../run-worker.js")]);
  let config: Config;
  try {
    // Flags are strings; parse them through the same schema as the environment.
    config = loadConfig({ ...process.env, ...(overridesFrom(parsed.values) as Record<string, string>) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const signalled = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  try {
    await runWorker(config, signalled);
  } catch (error) {
    // A store that refuses to open (e.g. JOBS_STORE=sqlite beside file-store jobs never migrated) says why.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return 0;
}
