/**
 * `npm run bench -- startup [runs]`: how long the built programs take to be usable (issue 11:
 * `parallax --help` < 0.2 s, host start to a healthy /health < 1 s).
 *
 * - host: spawn of `node apps/http/dist/main.js` (files storage, a fresh DATA_DIR) to the first
 *   200 on /health, polled every 5 ms; also the CPU time the host (and any child) used by then.
 * - help: wall time of `node apps/worker/bin/parallax.js --help`, to its exit.
 *
 * Comparison partners, timed the same way in the same rounds: `node -e 0` (the floor both stand
 * on); a Koa app with only a /health route (the host's framework alone: the rest is Parallax's
 * own start); a Flask app with only /health where `python3` imports flask (the framework of the
 * §A server Parallax replaces, without that server's own imports). The §B server's FastAPI is not
 * on this machine, nor either old server's code.
 *
 * Medians of `runs` (default 5). Then one more host start with the module recorder: how many
 * modules it loaded and which of the lazily loaded packages (none, if start-up stays lazy).
 * Runs `tsc -b` first so dist is current. The machine is shared: the line carries the load average.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../apps/http/src/host/host-process.testkit.js";
import { lazyPackageModules, recordLoadedModules } from "../tests/support/loaded-modules.testkit.js";
import { emit, round } from "./support.js";

const root = process.cwd();
const hostMain = join(root, "apps/http/dist/main.js");
const cli = join(root, "apps/worker/bin/parallax.js");

/** Koa as the host has it (apps/http's own koa), one route. */
const KOA_HEALTH = `import Koa from "koa";
const app = new Koa();
app.use((ctx) => { if (ctx.path === "/health") ctx.body = { status: "ok" }; });
app.listen(Number(process.env.PORT), "127.0.0.1");`;

const FLASK_HEALTH = `import os
from flask import Flask
app = Flask("partner")
@app.get("/health")
def health():
    return {"status": "ok"}
app.run(host="127.0.0.1", port=int(os.environ["PORT"]))`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)]!, 1);
}

function wallMs(args: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${run.status}`);
  return performance.now() - started;
}

/**
 * CPU time a process and its waited-for children used so far, in ms, from /proc (10 ms ticks):
 * less at the mercy of a shared machine's other load than wall time.
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // utime, stime, cutime, cstime: fields 14-17 of stat(5), counted after the command's ") ".
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) * 10;
}

interface Server {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** Spawn to the first 200 on /health: wall and CPU ms; the server is stopped before returning. */
async function toHealthy({ command, args, env = {}, cwd = root }: Server): Promise<{ wallMs: number; cpuMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, { cwd, env: { ...process.env, PORT: String(port), ...env }, stdio: "ignore" });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { wallMs: performance.now() - started, cpuMs: cpuMs(child.pid!) };
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
      child.once("exit", resolve);
      child.kill("SIGTERM");
    });
  }
}

/** The host on files storage in a fresh DATA_DIR. */
async function hostStart(nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<{ wallMs: number; cpuMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-startup-"));
  try {
    return await toHealthy({ command: process.execPath, args: [...nodeArgs, hostMain], env: { HOST: "127.0.0.1", DATA_DIR: dataDir, STORAGE: "file", LOG_LEVEL: "error", ...env } });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const koa: Server = { command: process.execPath, args: ["--input-type=module", "-e", KOA_HEALTH], cwd: join(root, "apps/http") };
const flask: Server = { command: "python3", args: ["-c", FLASK_HEALTH] };
const hasFlask = spawnSync("python3", ["-c", "import flask"], { stdio: "ignore" }).status === 0;

export async function main(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 5);
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-b"], { stdio: "inherit" });
  const host: number[] = [];
  const hostCpu: number[] = [];
  const help: number[] = [];
  const node: number[] = [];
  const koaHealthy: number[] = [];
  const flaskHealthy: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = await hostStart();
    host.push(start.wallMs);
    hostCpu.push(start.cpuMs);
    help.push(wallMs([cli, "--help"]));
    node.push(wallMs(["-e", "0"]));
    koaHealthy.push((await toHealthy(koa)).wallMs);
    if (hasFlask) flaskHealthy.push((await toHealthy(flask)).wallMs);
  }
  const recording = await recordLoadedModules();
  await hostStart(recording.nodeArgs, recording.env);
  const loaded = await recording.loaded();
  const lazyLoaded = [...new Set(lazyPackageModules(loaded).map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)![1]!))];
  emit("startup", {
    runs,
    hostToHealthyMs: median(host),
    hostCpuToHealthyMs: median(hostCpu),
    helpMs: median(help),
    nodeBareMs: median(node),
    partners: {
      koaHealthOnlyToHealthyMs: median(koaHealthy),
      flaskHealthOnlyToHealthyMs: hasFlask ? median(flaskHealthy) : "python3 cannot import flask here",
      fastapi: "not on this machine",
    },
    hostModulesLoaded: loaded.length,
    hostLazyPackagesLoaded: lazyLoaded,
    cores: availableParallelism(),
    loadAverage: loadavg().map((load) => round(load, 2)),
  });
}
