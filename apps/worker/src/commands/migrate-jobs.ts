import { parseCommandArgs } from "./command-args.js";

const usage = `usage: parallax migrate-jobs [--data-dir DIR]

Imports the file job store under DATA_DIR/jobs (items/, exclusive/, logs/) into the SQLite
job store DATA_DIR/jobs/jobs.sqlite (JOBS_STORE=sqlite): each job's log, then every job at
its version and every claim in one transaction that records the import, so JOBS_STORE=sqlite
starts on it. Stop every worker and host on DATA_DIR first. Running it again imports nothing
twice. The file store's folders are left in place (remove them once satisfied).
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { "data-dir": { type: "string" } }, usage);
  if ("exit" in parsed) return parsed.exit;
  // Loaded after the flags are read, so `--help` answers at once.
  const [Effect, { ConfigError, loadConfig }, { jobsDataDir, migrateFileJobs }] = await Promise.all([import("effect/Effect"), import("@parallax/adapters"), import("@parallax/adapters/jobs")]);
  try {
    const config = loadConfig({ ...process.env, ...(parsed.values["data-dir"] ? { DATA_DIR: parsed.values["data-dir"] } : {}) });
    const imported = await Effect.runPromise(migrateFileJobs(jobsDataDir(config), Date.now(), { synchronous: config.JOBS_SQLITE_SYNCHRONOUS }));
    process.stdout.write(`imported ${imported.jobs} jobs, ${imported.claims} exclusivity claims and ${imported.logLines} log lines into ${imported.file} (${imported.skipped} already there)\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
