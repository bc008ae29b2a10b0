import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Schedule from "effect/Schedule";
import type { Context } from "koa";
import { z } from "zod";
import type { NotebookAssistant, ReactiveAuthenticator, ReactiveNotebooks } from "@parallax/application/reactive";
import { CELL_LANGUAGES, type ReactiveNotebook } from "@parallax/domain/reactive";
import { principalOf } from "../host/auth/authentication.middleware.js";
import { runUseCase } from "../host/errors.js";
import type { HostModule } from "../host/host-module.js";
import { CHAT_UNAVAILABLE, chatRequest } from "./chat.request.js";
import { sendChatEvents } from "./chat-sse.js";
import { notebookSocket } from "./reactive.websocket.js";

const tags = ["reactive notebooks"];
const notebookParams = z.object({ id: z.string() });
const cellParams = z.object({ id: z.string(), cellId: z.string() });
const cellType = z.enum(CELL_LANGUAGES as ["python", "sql", "javascript"]);
const ok = z.object({ status: z.literal("ok") });


function notebookView(notebook: ReactiveNotebook) {
  const { id, name, db_conn_string, revision, cells } = notebook;
  return { id, name, db_conn_string, revision, cells };
}

/** What the reactive routes serve: the notebooks use case and who the caller is. */
export interface ReactiveHostDeps {
  readonly notebooks: ReactiveNotebooks;
  readonly authenticator: ReactiveAuthenticator;
  /** The chat's assistant; absent when no language model is configured (chat answers 503). */
  readonly assistant?: NotebookAssistant | undefined;
}

/** CONTRACTS.md §B: the reactive-notebook API of the React editor, under /api/v1. */
export const reactiveHost = ({ notebooks, authenticator, assistant }: ReactiveHostDeps): HostModule => ({
  name: "reactive",
  register({ config, logger, routes, websockets }) {
    /** The caller's user id, as the host's authentication verified it (with AUTH=none, anyone is `local`). */
    const userOf = async (ctx: Context) => principalOf(ctx).userId;
    /** The notebook a path id names for the caller (`demo`/`blank` are the caller's own). */
    const notebookOf = async (ctx: Context, id: string) => runUseCase(notebooks.resolve(await userOf(ctx), id));

    routes.add({
      method: "post",
      path: "/api/v1/notebooks",
      summary: "Create a notebook with one empty python cell",
      tags,
      response: z.object({ notebook_id: z.string() }),
      handler: async ({ ctx }) => ({ notebook_id: await runUseCase(notebooks.create(undefined, await userOf(ctx))) }),
    });

    routes.add({
      method: "get",
      path: "/api/v1/notebooks",
      summary: "The user's notebooks (their demo-{uid} and blank-{uid} are created when missing)",
      tags,
      response: z.object({ notebooks: z.array(z.object({ id: z.string(), name: z.string() })) }),
      handler: async ({ ctx }) => ({ notebooks: await runUseCase(notebooks.list(await userOf(ctx))) }),
    });

    routes.add({
      method: "get",
      path: "/api/v1/notebooks/:id",
      summary: "A notebook with its cells",
      tags,
      params: notebookParams,
      handler: async ({ params, ctx }) => notebookView(await runUseCase(notebooks.get(await notebookOf(ctx, params.id)))),
    });

    routes.add({
      method: "put",
      path: "/api/v1/notebooks/:id/name",
      summary: "Rename a notebook",
      tags,
      params: notebookParams,
      body: z.object({ name: z.string().min(1).max(500) }),
      handler: async ({ params, body, ctx }) => {
        await runUseCase(notebooks.rename(await notebookOf(ctx, params.id), body.name));
        return { status: "ok", name: body.name };
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/notebooks/:id/db",
      summary: "Set the database of SQL cells (PostgreSQL connection string; empty for the embedded DuckDB)",
      tags,
      params: notebookParams,
      // The key is required (`{}` is a 422, as FastAPI answered); the editor sends "" on every blur.
      body: z.object({ connection_string: z.string().max(4096).nullable() }),
      response: ok,
      handler: async ({ params, body, ctx }) => {
        await runUseCase(notebooks.setDatabase(await notebookOf(ctx, params.id), body.connection_string ?? null));
        return { status: "ok" };
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/notebooks/:id",
      summary: "Delete a notebook",
      tags,
      params: notebookParams,
      handler: async ({ params, ctx }) => {
        await runUseCase(notebooks.delete(await notebookOf(ctx, params.id)));
        return { status: "ok", message: `Notebook ${params.id} deleted` };
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/notebooks/:id/cells",
      summary: "Add a cell (after `after_cell_id`, else at the end)",
      tags,
      params: notebookParams,
      body: z.object({ type: cellType, after_cell_id: z.string().nullish(), code: z.string().optional() }),
      response: z.object({ cell_id: z.string() }),
      handler: async ({ params, body, ctx }) => {
        const cell = await runUseCase(notebooks.addCell(await notebookOf(ctx, params.id), body.type, body.after_cell_id ?? undefined, body.code));
        return { cell_id: cell.id };
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/notebooks/:id/cells/:cellId",
      summary: "Change a cell's code; a stale expected_revision is a 409 with the current revision",
      tags,
      params: cellParams,
      body: z.object({ code: z.string(), expected_revision: z.number().int().nullish() }),
      response: z.object({ status: z.literal("ok"), revision: z.number() }),
      handler: async ({ params, body, ctx }) => {
        const revision = await runUseCase(notebooks.updateCell(await notebookOf(ctx, params.id), params.cellId, body.code, body.expected_revision ?? undefined));
        return { status: "ok", revision };
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/notebooks/:id/cells/:cellId",
      summary: "Delete a cell (its names leave the kernel)",
      tags,
      params: cellParams,
      response: z.object({ status: z.literal("ok"), revision: z.number() }),
      handler: async ({ params, ctx }) => ({ status: "ok", revision: await runUseCase(notebooks.deleteCell(await notebookOf(ctx, params.id), params.cellId)) }),
    });

    // The editor posts to /api/chat/{id}; /api/v1/chat/chat/{id} is §B's documented path.
    for (const path of ["/api/chat/:id", "/api/v1/chat/chat/:id"]) {
      routes.add({
        method: "post",
        path,
        summary: "LLM chat with notebook tools, as Server-Sent Events (503 until a language model is configured)",
        tags,
        params: notebookParams,
        body: chatRequest,
        handler: async ({ params, body, ctx }) => {
          // Another user's notebook (or a missing one) is a 404 before anything else is said about the chat.
          const notebookId = await notebookOf(ctx, params.id);
          // The body was parsed first: a malformed one is a 422 whether or not the assistant is configured.
          if (!assistant) return ctx.throw(503, CHAT_UNAVAILABLE, { expose: true });
          const events = await runUseCase(assistant.chat(notebookId, body.messages));
          sendChatEvents(ctx, events, logger);
          return undefined;
        },
      });
    }

    websockets.add("/api/v1/ws/notebooks/:id", notebookSocket(notebooks, authenticator, config.WS_AUTH_TIMEOUT_MS, {
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      graceMs: config.WS_SLOW_CLIENT_GRACE_MS,
      logger,
    }), "first-message");

    const idleMs = config.KERNEL_IDLE_S * 1000;
    /** Stops idle notebooks' kernels now and then (at most every minute); the kernel cap itself needs no timer. */
    const sweep = Effect.schedule(
      notebooks.closeIdle(idleMs).pipe(Effect.catchCause((cause) => Effect.logError("reactive idle sweep failed", cause))),
      Schedule.spaced(Math.min(60_000, Math.max(1_000, idleMs / 2))),
    );
    let sweeper: Fiber.Fiber<unknown> | undefined;
    return {
      async start() {
        sweeper = Effect.runFork(sweep);
      },
      /** Stops the sweep, then this host's kernels, with every process they forked; sessions reopen from the store on next use. */
      async stop() {
        const stopSweep = sweeper ? Fiber.interrupt(sweeper) : Effect.void;
        await Effect.runPromise(Effect.andThen(stopSweep, notebooks.closeAll()));
      },
    };
  },
});
