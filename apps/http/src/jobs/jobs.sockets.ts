import type { IncomingMessage } from "node:http";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as PubSub from "effect/PubSub";
import * as Stream from "effect/Stream";
import type { WebSocket } from "ws";
import { mayAccess } from "@parallax/domain";
import { isTerminal, toJobView } from "@parallax/domain/jobs";
import { chainView, jobView, type FeedEvent, type LogLine } from "@parallax/application/jobs";
import { sendBatchBounded, sendBounded as sendWithin } from "../host/bounded-send.js";
import { viewerFor } from "../host/auth/authentication.middleware.js";
import type { WebSocketRoutes } from "../host/websocket-routes.js";
import { endMessage } from "./jobs.messages.js";
import type { JobsRouteDeps } from "./jobs.host.js";

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
  while (socket.readyState === socket.OPEN && socket.bufferedAmount > limit / 4) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function offsetOf(request: IncomingMessage): number {
  const value = Number(new URL(request.url ?? "/", "http://localhost").searchParams.get("offset") ?? "0");
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

/**
 * A client that cannot keep up is terminated once `maxBufferedBytes` are queued for it (it
 * reconnects) rather than slowing the others or growing memory without bound. A client sees
 * the jobs of the user who opened the socket (every job with `adminRole`), as on the routes.
 */
export function registerJobSockets(websockets: WebSocketRoutes, { service, feed, chainEnds }: JobsRouteDeps, maxBufferedBytes: number, adminRole: string): void {
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
      const closed = chainEnds.ended(event.job).pipe(
        Effect.flatMap((chain) => (chain === undefined ? Effect.succeed(undefined) : Effect.map(chainView(service, chain), (view) => endMessage(chain[0].id, view)))),
      );
      endings.set(event, (ending = Effect.runPromise(closed)));
    }
    return ending;
  };

  // All jobs: §C's stream for the annotation UI.
  websockets.add("/api/logs", (socket, _request, _params, principal) => {
    if (!principal) return socket.close(1008, "Not authenticated");
    const viewer = viewerFor(principal, adminRole);
    sendBounded(socket, { type: "connected", message: "Connected to job log stream" });
    const send = (event: FeedEvent) =>
      Effect.tryPromise(async () => {
        if (!mayAccess(event.job.owner, viewer)) return;
        if (event.type === "status") sendBounded(socket, { type: "job_status", job: toJobView(event.job) });
        else if (event.type === "lines") sendBatchBounded(socket, linesOf(event), maxBufferedBytes);
        else {
          const ending = await endingOf(event);
          if (ending) sendBounded(socket, ending);
        }
      });
    // Subscribed at once (runFork starts synchronously): nothing published after `connected` is missed.
    const following = Effect.runFork(
      Effect.scoped(
        Effect.gen(function* () {
          const events = yield* feed.subscribe();
          yield* service.current(viewer).pipe(
            Effect.flatMap((current) => (current ? Effect.map(jobView(service, current), (job) => sendBounded(socket, { type: "job_status", job })) : Effect.void)),
            Effect.catchCause((cause) => Effect.logWarning("/api/logs: the current job was not read", cause)),
          );
          while (true) {
            const event = yield* PubSub.take(events);
            yield* send(event).pipe(Effect.catchCause((cause) => Effect.logWarning("/api/logs: an event was not sent", cause)));
          }
        }),
      ),
    );
    const unsubscribe = () => void Effect.runFork(Fiber.interrupt(following));
    socket.on("close", unsubscribe);
    socket.on("error", unsubscribe);
  });

  // One job, resumable: `?offset=N` replays from line N, then follows live, each line once.
  websockets.add("/api/jobs/:id/logs", (socket, request, params, principal) => {
    if (!principal) return socket.close(1008, "Not authenticated");
    const jobId = params["id"]!;
    let following: Fiber.Fiber<void> | undefined;
    const stop = () => following && void Effect.runFork(Fiber.interrupt(following));
    socket.on("close", stop);
    socket.on("error", stop);
    void Effect.runPromise(Effect.exit(service.get(jobId, viewerFor(principal, adminRole)))).then((exit) => {
      if (exit._tag === "Failure") {
        sendBounded(socket, { type: "error", error: "Job not found" });
        socket.close(4404, "Job not found");
        return;
      }
      sendBounded(socket, { type: "connected", message: `Following job ${jobId}`, job: toJobView(exit.value) });
      if (socket.readyState !== socket.OPEN) return;
      const messages = feed.followLogs(jobId, offsetOf(request));
      // Each pulled chunk is sent, then the client drains before the next is pulled.
      const sent = Stream.runForEachArray(messages, (chunk) =>
        Effect.promise(async () => {
          for (const message of chunk) {
            if (message.type === "line") sendBounded(socket, logMessage(jobId, message.line));
            else if (message.type === "status") sendBounded(socket, { type: "job_status", job: toJobView(message.job) });
            else if (isTerminal(message.job.status)) {
              sendBounded(socket, endMessage(jobId, toJobView(message.job)));
              socket.close(1000, message.job.status);
            }
          }
          await drained(socket, maxBufferedBytes);
        }),
      );
      following = Effect.runFork(sent.pipe(Effect.catchCause((cause) => Effect.logWarning(`/api/jobs/${jobId}/logs: following stopped`, cause))));
    });
  });
}
