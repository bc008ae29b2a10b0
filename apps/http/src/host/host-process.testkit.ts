import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface HostProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** What the process wrote so far, both streams, at most the first MiB (its warnings and errors at LOG_LEVEL=warn). */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A port the OS just handed out; free again by the time the host binds it (tests and benches only). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `apps/http/src/main.ts` as a real process (tsx, source condition) and waits until it
 * answers /health. Test and benchmark support: request and socket message rates are unlimited
 * unless `env` sets them (tests and benchmarks are one client far faster than any real one).
 * `nodeArgs` go before the script (e.g. an `--import` that observes the process).
 */
export async function spawnHost(env: Record<string, string>, timeoutMs = 30_000, nodeArgs: readonly string[] = []): Promise<HostProcess> {
  const root = process.cwd();
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, "--conditions=source", "--import", "tsx", join(root, "apps/http/src/main.ts")], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "warn", RATE_LIMIT_RPS: "0", CONVERT_RATE_LIMIT_RPS: "0", WS_MESSAGES_PER_S: "0", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  const keep = (chunk: Buffer) => {
    if (errors.length < 1024 * 1024) errors += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}:\n${errors}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`host did not answer /health within ${timeoutMs} ms:\n${errors}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    url,
    port,
    output: () => errors,
    stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/** Resident memory of a process, from /proc (bytes). */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

export interface HostSample {
  baselineBytes: number;
  peakBytes: number;
  /** `/health` round trips in ms, sorted; every one answered 200 (a failure rejects `stop`). */
  healthMs: number[];
}

/**
 * Samples a host process while something runs: its peak RSS and the latency of `/health`
 * every 10 ms. `stop()` ends the sampling and returns what was seen.
 */
export function sampleHost(host: HostProcess): { stop(): Promise<HostSample> } {
  const pid = host.child.pid!;
  const baselineBytes = residentBytes(pid);
  let peakBytes = baselineBytes;
  let running = true;
  const healthMs: number[] = [];
  const sampling = (async () => {
    while (running) {
      peakBytes = Math.max(peakBytes, residentBytes(pid));
      const started = performance.now();
      const response = await fetch(`${host.url}/health`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`/health answered ${response.status}`);
      healthMs.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      return { baselineBytes, peakBytes, healthMs: healthMs.sort((a, b) => a - b) };
    },
  };
}
