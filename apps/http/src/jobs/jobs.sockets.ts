import type { IncomingMessage } from "node:http";
import { Effect } from "effect";
import { WebSocket } from "ws";
import { isTerminal, toJobView } from "@parallax/domain/jobs";
import { chainView, followJobLogs, jobView, type FeedEvent, type LogLine } from "@parallax/application/jobs";
import { sendBatchBounded, sendBounded as sendWithin } from "../host/bounded-send.js";
import type { WebSocketRoutes } from "../host/websocket-routes.js";
import { endMessage } from "./jobs.messages.js";
import type { JobsRuntime } from "./jobs.runtime.js";

const logMessage = (jobId: string, line: LogLine) => ({
  type: "log",
  job_id: jobId,
  offset: line.offset,
  stream: line.stream,
  timestamp: line.timestamp,
  message: line.message,
});

/** Waits until the client has drained below a quarter of its allowance (or is gone). */
async function drained(socket: WebSocket, limit: number): Promise<void> {
  while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > limit / 4) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function offsetOf(request: IncomingMessage): number {
  const value = Number(new URL(request.url ?? "/", "http://localhost").searchParams.get("offset") ?? "0");
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

/**
 * A client that cannot keep up is terminated once `maxBufferedBytes` are queued for it (it
 * reconnects) rather than slowing the others or growing memory without bound.
 */
export function registerJobSockets(websockets: WebSocketRoutes, runtime: () => JobsRuntime, maxBufferedBytes: number): void {
  const sendBounded = (socket: WebSocket, message: unknown) => sendWithin(socket, message, maxBufferedBytes);
  // Every client of /api/logs gets the same lines: serialise each page once, not once per client.
  const serialised = new WeakMap<FeedEvent, string[]>();
  const linesOf = (event: Extract<FeedEvent, { type: "lines" }>) => {
    let messages = serialised.get(event);
    if (!messages) serialised.set(event, (messages = event.lines.map((line) => JSON.stringify(logMessage(event.job.id, line)))));
    return messages;
  };
  // A job's end closes its chain or says nothing: the UI waits for one end per job it started.
  const endings = new WeakMap<FeedEvent, Promise<Record<string, unknown> | undefined>>();
  const endingOf = (event: Extract<FeedEvent, { type: "finished" }>) => {
    let ending = endings.get(event);
    if (!ending) {
      const { service, chainEnds } = runtime();
      const closed = chainEnds.ended(event.job).pipe(
        Effect.flatMap((chain) => (chain === undefined ? Effect.succeed(undefined) : Effect.map(chainView(service, chain), (view) => endMessage(chain[0].id, view)))),
      );
      endings.set(event, (ending = Effect.runPromise(closed)));
    }
    return ending;
  };

  // All jobs: §C's stream for the annotation UI.
  websockets.add("/api/logs", (socket) => {
    const { feed, service } = runtime();
    sendBounded(socket, { type: "connected", message: "Connected to job log stream" });
    let queue = Promise.resolve();
    const later = (work: () => Promise<void>) => {
      queue = queue.then(work).catch(() => undefined);
    };
    later(async () => {
      const current = await Effect.runPromise(service.current());
      if (current) sendBounded(socket, { type: "job_status", job: await Effect.runPromise(jobView(service, current)) });
    });
    const unsubscribe = feed.subscribe((event: FeedEvent) => {
      later(async () => {
        if (event.type === "status") sendBounded(socket, { type: "job_status", job: toJobView(event.job) });
        else if (event.type === "lines") sendBatchBounded(socket, linesOf(event), maxBufferedBytes);
        else {
          const ending = await endingOf(event);
          if (ending) sendBounded(socket, ending);
        }
      });
    });
    socket.on("close", unsubscribe);
    socket.on("error", unsubscribe);
  });

  // One job, resumable: `?offset=N` replays from line N, then follows live, each line once.
  websockets.add("/api/jobs/:id/logs", (socket, request, params) => {
    const { feed, store, logs, service } = runtime();
    const jobId = params["id"]!;
    let stop: (() => void) | undefined;
    socket.on("close", () => stop?.());
    socket.on("error", () => stop?.());
    void Effect.runPromise(Effect.exit(service.get(jobId))).then((exit) => {
      if (exit._tag === "Failure") {
        sendBounded(socket, { type: "error", error: "Job not found" });
        socket.close(4404, "Job not found");
        return;
      }
      sendBounded(socket, { type: "connected", message: `Following job ${jobId}`, job: toJobView(exit.value) });
      if (socket.readyState !== WebSocket.OPEN) return;
      stop = followJobLogs({ feed, store, logs }, jobId, offsetOf(request), (message) => {
        if (message.type === "line") sendBounded(socket, logMessage(jobId, message.line));
        else if (message.type === "status") sendBounded(socket, { type: "job_status", job: toJobView(message.job) });
        else if (isTerminal(message.job.status)) {
          sendBounded(socket, endMessage(jobId, toJobView(message.job)));
          socket.close(1000, message.job.status);
        }
      }, () => drained(socket, maxBufferedBytes));
    });
  });
}
