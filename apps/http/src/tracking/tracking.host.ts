import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { z } from "zod";
import { trackingOptions, trackingRunner } from "@parallax/adapters/tracking";
import {
  makeQueuedTrackingTasks,
  makeTrackingTasks,
  type TaskEventLog,
  type TaskQueue,
  type TaskRecord,
  type TrackingEvent,
  type TrackingTasksDeps,
  visibleTask,
  visibleTasks,
} from "@parallax/application/tracking";
import { viewerFor, viewerOf } from "../host/auth/authentication.middleware.js";
import { sendAfterDrain } from "../host/bounded-send.js";
import { runUseCase } from "../host/errors.js";
import type { HostModule } from "../host/host-module.js";
import { loadReadiness } from "./tracking-readiness.js";
import { viewerHtml } from "./viewer.page.js";
import { selfContainedPageCsp } from "../host/security-headers.middleware.js";

/**
 * The HTTP and WebSocket face of the tracking capability (CONTRACTS.md §D). Tasks run in this
 * host's process (TRACKING_RUNNER=host), or are queued for workers (`queue`, what `auto` picks with
 * WORKER=off), whose stored progress this host follows into its sockets. Each registration owns
 * its tasks: the host's stop closes their scope, which cancels tasks running here and stops their
 * decoders (queued tasks go on in their workers; only this host's following of them stops).
 */
const taskParams = z.object({ task_id: z.uuid() });
const frameParams = taskParams.extend({ camera_id: z.string().min(1).max(128), frame_index: z.string().regex(/^\d{1,9}$/, "must be a non-negative integer").transform(Number) });
const socketQuery = z.object({ frames: z.enum(["0", "1"]).default("1") });
const TAGS = ["tracking"];

function statusBody(record: TaskRecord) {
  return { task_id: record.task_id, status: record.status, progress: record.progress, current_step: record.current_step, details: record.details };
}

/** What a host needs to queue tasks for workers; resolved only when it does. */
export interface TaskQueueing {
  readonly queue: TaskQueue;
  readonly log: TaskEventLog;
}

export const trackingHost = (deps: TrackingTasksDeps, queueing: () => TaskQueueing): HostModule => ({
  name: "tracking",
  register({ config, routes, websockets, health, logger }) {
    const scope = Effect.runSync(Scope.make());
    const made =
      trackingRunner(config) === "queue"
        ? makeQueuedTrackingTasks({ ...deps, ...queueing() }, trackingOptions(config), { pollMs: config.TRACKING_FOLLOW_MS, cancelWaitMs: 10_000 })
        : makeTrackingTasks(deps, trackingOptions(config));
    const tasks = Effect.runSync(Scope.provide(made, scope));
    const readiness = loadReadiness(deps);
    health.add(() => readiness.flags());

    routes.add({
      method: "post",
      path: "/api/v1/processing-tasks/start",
      summary: "Start a processing task on an environment's videos",
      tags: TAGS,
      body: z.object({ environment_id: z.string().min(1) }),
      successStatus: 202,
      response: z.object({ task_id: z.uuid(), message: z.string(), status_url: z.string(), websocket_url: z.string() }),
      handler: async ({ body, ctx }) => {
        const record = await runUseCase(tasks.start(body.environment_id, viewerOf(ctx).userId));
        return {
          task_id: record.task_id,
          message: `Processing task for environment '${record.environment_id}' initiated.`,
          status_url: `/api/v1/processing-tasks/${record.task_id}/status`,
          websocket_url: `/ws/tracking/${record.task_id}`,
        };
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/processing-tasks",
      summary: "Processing tasks, most recent first",
      tags: TAGS,
      handler: async ({ ctx }) => (await runUseCase(visibleTasks(tasks, viewerOf(ctx)))).map(statusBody),
    });

    routes.add({
      method: "get",
      path: "/api/v1/processing-tasks/:task_id/status",
      summary: "A processing task's status",
      tags: TAGS,
      params: taskParams,
      handler: async ({ params, ctx }) => statusBody(await runUseCase(visibleTask(tasks, params.task_id, viewerOf(ctx)))),
    });

    routes.add({
      method: "post",
      path: "/api/v1/processing-tasks/:task_id/cancel",
      summary: "Cancel a processing task (answers once it is CANCELLED)",
      tags: TAGS,
      params: taskParams,
      handler: async ({ params, ctx }) => statusBody(await runUseCase(Effect.andThen(visibleTask(tasks, params.task_id, viewerOf(ctx)), tasks.cancel(params.task_id)))),
    });

    routes.add({
      method: "get",
      path: "/api/v1/processing-tasks/:task_id/results",
      summary: "Stored tracking_update payloads by global_frame_index (from included, to excluded)",
      tags: TAGS,
      params: taskParams,
      query: z.object({ from: z.coerce.number().int().min(0).optional(), to: z.coerce.number().int().min(0).optional() }),
      handler: async ({ params, query, ctx }) => {
        await runUseCase(visibleTask(tasks, params.task_id, viewerOf(ctx)));
        const results = await runUseCase(tasks.results(params.task_id, { ...(query.from !== undefined ? { from: query.from } : {}), ...(query.to !== undefined ? { to: query.to } : {}) }));
        // `next` is where a client resumes: one past the last index it received.
        return { task_id: params.task_id, results, next: results.length > 0 ? results.at(-1)!.global_frame_index + 1 : (query.from ?? 0) };
      },
    });

    // Not §D: an addition for the viewer. The pictures on the socket and the frames route may be
    // scaled down (TRACKING_JPEG_MAX_WIDTH) while boxes are in the decoded frames' pixels.
    routes.add({
      method: "get",
      path: "/api/v1/processing-tasks/:task_id/cameras",
      summary: "Each camera's decoded frame size, the pixels its bbox_xyxy are in (empty until the task has decoded its first frames)",
      tags: TAGS,
      params: taskParams,
      response: z.object({ cameras: z.record(z.string(), z.object({ width: z.number().int().min(1), height: z.number().int().min(1) })) }),
      handler: async ({ params, ctx }) => ({ cameras: await runUseCase(Effect.andThen(visibleTask(tasks, params.task_id, viewerOf(ctx)), tasks.frameSizes(params.task_id))) }),
    });

    routes.add({
      method: "get",
      path: "/api/v1/processing-tasks/:task_id/frames/:camera_id/:frame_index.jpg",
      summary: "A camera's picture at a global_frame_index, decoded again from its video (JPEG)",
      tags: TAGS,
      params: frameParams,
      handler: async ({ params, ctx }) => {
        const jpeg = await runUseCase(Effect.andThen(visibleTask(tasks, params.task_id, viewerOf(ctx)), tasks.frameImage(params.task_id, params.camera_id, params.frame_index)));
        ctx.type = "image/jpeg";
        // A task's frames never change once stored.
        ctx.set("Cache-Control", "private, max-age=3600");
        ctx.body = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
        return undefined;
      },
    });

    const viewer = viewerHtml(config.TRACKING_WIDTH);
    // Only the page's own script and style run; pictures come from this host or the socket's data URLs.
    const viewerCsp = selfContainedPageCsp(viewer);
    routes.add({
      method: "get",
      path: "/viewer",
      summary: "The tracking viewer page: a task's cameras with boxes and its map with trajectories",
      tags: TAGS,
      query: z.object({ task: z.uuid().optional() }),
      handler: ({ ctx }) => {
        ctx.type = "text/html; charset=utf-8";
        ctx.set("Content-Security-Policy", viewerCsp);
        ctx.set("Cache-Control", "no-store");
        ctx.body = viewer;
        return undefined;
      },
    });

    // Every socket that wants pictures is sent the same event object: its text is made once.
    const texts = new WeakMap<TrackingEvent, string>();
    const text = (event: TrackingEvent) => {
      let known = texts.get(event);
      if (known === undefined) texts.set(event, (known = JSON.stringify(event)));
      return known;
    };

    websockets.add("/ws/tracking/:task_id", (socket, request, params, principal) => {
      // A malformed frame from the client is an 'error' on the socket: unheard, it would end the process. Its 'close' follows.
      socket.on("error", () => {});
      if (!principal) return socket.close(1008, "Not authenticated");
      const id = taskParams.safeParse(params);
      if (!id.success) return socket.close(1008, "task id must be a UUID");
      const query = socketQuery.safeParse(Object.fromEntries(new URL(request.url ?? "/", "http://host").searchParams));
      if (!query.success) return socket.close(1008, "frames must be 0 or 1");
      const owned = visibleTask(tasks, id.data.task_id, viewerFor(principal, config.ADMIN_ROLE));
      const program = Effect.scoped(
        Effect.flatMap(Effect.andThen(owned, tasks.events(id.data.task_id, { frames: query.data.frames === "1" })), (events) =>
          Stream.runForEach(Stream.takeWhile(events, () => socket.readyState === socket.OPEN), (event) =>
            Effect.promise(() => sendAfterDrain(socket, text(event), config.WS_MAX_BUFFERED_BYTES, config.WS_SLOW_CLIENT_GRACE_MS)),
          ),
        ),
      );
      const fiber = Effect.runFork(program);
      fiber.addObserver((exit) => {
        if (Exit.isFailure(exit) && !Exit.hasInterrupts(exit)) {
          const failure = Cause.findErrorOption(exit.cause);
          const notFound = failure._tag === "Some" && failure.value._tag === "NotFound";
          socket.close(notFound ? 4404 : 1011, notFound ? "Processing task not found." : "internal error");
        } else if (socket.readyState === socket.OPEN) socket.close(1000, "task finished");
      });
      socket.on("close", () => Effect.runFork(Fiber.interrupt(fiber)));
    });

    return {
      start: async () => readiness.start(logger),
      stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    };
  },
});
