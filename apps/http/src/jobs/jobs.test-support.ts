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

export { http } from "../host/http-client.testkit.js";
