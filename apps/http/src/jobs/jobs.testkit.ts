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
