import { WebSocket } from "ws";

/** Helpers for the jobs end-to-end tests: a WebSocket that records messages, and polling. */
export interface Recorder {
  readonly messages: Array<Record<string, unknown>>;
  readonly closed: Promise<{ code: number }>;
  waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

export async function record(url: string): Promise<Recorder> {
  const socket = new WebSocket(url);
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const waiter of [...waiters]) waiter();
  });
  let isClosed = false;
  const closed = new Promise<{ code: number }>((resolve) =>
    socket.on("close", (code) => {
      isClosed = true;
      resolve({ code });
      for (const waiter of [...waiters]) waiter();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    messages,
    closed,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(checker);
          resolve(found);
          return true;
        };
        const checker = () => {
          if (check() || !isClosed) return;
          clearTimeout(timer);
          waiters.delete(checker);
          reject(new Error(`socket closed without a matching message; got ${JSON.stringify(messages.slice(-3)).slice(0, 500)}`));
        };
        const timer = setTimeout(() => {
          waiters.delete(checker);
          reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`));
        }, timeoutMs);
        if (!check()) waiters.add(checker);
      });
    },
    close: () => socket.close(),
  };
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

export async function http(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
