import { spawn, type ChildProcess } from "node:child_process";
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
 * answers /health. Test and benchmark support.
 */
export async function spawnHost(env: Record<string, string>, timeoutMs = 30_000): Promise<HostProcess> {
  const root = process.cwd();
  const port = await freePort();
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(root, "apps/http/src/main.ts")], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: String(port) },
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
