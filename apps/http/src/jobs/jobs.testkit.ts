import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { http } from "../host/http-client.testkit.js";
import { WebSocketRecorder } from "../host/websocket-recorder.testkit.js";

/** Helpers for the jobs end-to-end tests: a WebSocket that records messages, and polling. */
export type Recorder = WebSocketRecorder;

export function record(url: string): Promise<Recorder> {
  return WebSocketRecorder.open(url);
}

export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A job's own status through the generic API: `GET /api/jobs/{id}` is §C's, where a cancelled
 * job reads `failed` and a job reads `running` until its follow-ups end.
 */
export async function ownStatus(base: string, id: string): Promise<string> {
  return (await http(base, "GET", `/api/jobs/${id}/logs?limit=1`)).body.status as string;
}

export { http };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * A headless `parallax worker` process (from source) sharing `env`'s stores with a host, resolved
 * once it logs that it is ready; the test stops it (SIGTERM) when done.
 */
export async function startRemoteWorker(id: string, env: Record<string, string>, args: readonly string[] = []): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", "worker", "--id", id, "--poll-ms", "50", ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env, LOG_LEVEL: "info", JOB_CANCEL_POLL_MS: "100" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((ready, reject) => {
    let output = "";
    worker.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker ready"')) ready();
    });
    worker.once("exit", (code) => reject(new Error(`worker exited ${code}: ${output}`)));
  });
  return worker;
}
