import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Stream from "effect/Stream";
import { z } from "zod";
import type { WebSocket } from "ws";
import type { Logger } from "@parallax/adapters";
import type { ReactiveAuthenticator, ReactiveNotebooks } from "@parallax/application/reactive";
import { sendAfterDrain, sendBounded, trySend } from "../host/bounded-send.js";
import type { WebSocketHandler } from "../host/websocket-routes.js";

const POLICY_VIOLATION = 1008;
const TRY_AGAIN_LATER = 1013;
const AUTHENTICATION_UNAVAILABLE = "Authentication unavailable, try again later";

/** Whether authentication failed because the credential could not be judged (the identity provider is out of reach). */
function unavailable(cause: Cause.Cause<{ readonly _tag: string }>): boolean {
  const error = Cause.findErrorOption(cause);
  return error._tag === "Some" && error.value._tag === "AuthenticationUnavailable";
}

/** setTimeout's longest delay; a token valid for longer is checked again at that point. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const clientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("authenticate"), token: z.string() }),
  z.object({ type: z.literal("refresh_auth"), token: z.string() }),
  z.object({ type: z.literal("run_cell"), cellId: z.string() }),
]);
type ClientMessage = z.infer<typeof clientMessage>;

/** A client value echoed in an error is cut to this many characters: a client must not make the host send back what it sent, however large. */
const MAX_ECHO_CHARS = 200;

function echo(value: string): string {
  return value.length > MAX_ECHO_CHARS ? `${value.slice(0, MAX_ECHO_CHARS)}…` : value;
}

/**
 * §B `/api/v1/ws/notebooks/{id}`: authenticate first (within 10 s), then every event of the
 * notebook is forwarded in order. A missing notebook is `authenticated`, `error`, then close
 * 1008, the one code (with 1000) on which the React editor does not reconnect. Messages of one socket are handled one after another, so
 * a `run_cell` sent right after `authenticate` sees the subscription in place. A client
 * that is `maxBufferedBytes` behind and does not catch up within `graceMs` is terminated
 * (the editor reconnects). What fails for another reason is logged; the client sees the socket close.
 * A token that expires before a `refresh_auth` brings a newer one closes the socket with 1008;
 * a refresh for another user is refused the same way.
 * A token that could not be judged (the identity provider's keys out of reach) is answered
 * `error` and close 1013, on which the editor reconnects and tries the same token again.
 */
export function notebookSocket(
  notebooks: ReactiveNotebooks,
  authenticator: ReactiveAuthenticator,
  authTimeoutMs: number,
  { maxBufferedBytes, graceMs, logger }: { maxBufferedBytes: number; graceMs: number; logger: Logger },
): WebSocketHandler {
  const send = (socket: WebSocket, message: unknown): void => void sendBounded(socket, message, maxBufferedBytes);
  // Every watcher of a notebook gets the same events: each is serialised once, not once per socket.
  const serialised = new WeakMap<object, string>();
  const serialise = (event: object) => {
    let data = serialised.get(event);
    if (data === undefined) serialised.set(event, (data = JSON.stringify(event)));
    return data;
  };
  const refuse = (socket: WebSocket, message: string): void => {
    send(socket, { type: "error", message });
    socket.close(POLICY_VIOLATION, message.slice(0, 120));
  };
  // Not a refusal: 1008 would stop the editor reconnecting over a token that may be fine.
  const tryAgainLater = (socket: WebSocket): void => {
    send(socket, { type: "error", message: AUTHENTICATION_UNAVAILABLE });
    socket.close(TRY_AGAIN_LATER, AUTHENTICATION_UNAVAILABLE);
  };
  return (socket, _request, params) => {
    const requestedId = params["id"] ?? "";
    // `demo`/`blank` become the user's own once the token says who the user is.
    let notebookId = requestedId;
    let forwarding: Fiber.Fiber<void, unknown> | undefined;
    let subscribed = false;
    let closed = false;
    let queue: Promise<void> = Promise.resolve();
    let userId: string | undefined;
    const authTimer = setTimeout(() => refuse(socket, "Authentication timeout"), authTimeoutMs);
    let expiryTimer: NodeJS.Timeout | undefined;
    const closeAtExpiry = (expiresAt: number | undefined) => {
      clearTimeout(expiryTimer);
      if (expiresAt === undefined) return;
      const check = () => {
        const left = expiresAt - Date.now();
        if (left <= 0) refuse(socket, "Token expired");
        else expiryTimer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
      };
      check();
    };

    const subscribe = () =>
      new Promise<void>((resolve, reject) => {
        forwarding = Effect.runFork(
          Effect.scoped(
            Effect.gen(function* () {
              const events = yield* notebooks.events(notebookId);
              subscribed = true;
              resolve();
              // Ends when the client is gone or was terminated for not reading.
              yield* Stream.runForEachWhile(events, (event) => {
                const data = serialise(event);
                const outcome = trySend(socket, data, maxBufferedBytes);
                if (outcome !== "over") return Effect.succeed(outcome === "sent");
                return Effect.promise(() => sendAfterDrain(socket, data, maxBufferedBytes, graceMs));
              });
            }),
          ),
        );
        forwarding.addObserver((exit) => {
          if (Exit.isFailure(exit) && subscribed && !Cause.hasInterruptsOnly(exit.cause)) {
            logger.warn({ notebook: notebookId, cause: Cause.pretty(exit.cause) }, "reactive socket: forwarding events failed");
          }
          if (Exit.isFailure(exit) && !subscribed) reject(new Error("Notebook not found"));
          // The notebook was deleted or the host is stopping: nothing more will come.
          else if (subscribed && socket.readyState === socket.OPEN) socket.close(1001, "Notebook closed");
        });
      });

    const handle = async (message: ClientMessage) => {
      if (closed) return;
      if (!forwarding) {
        if (message.type !== "authenticate") return refuse(socket, "Not authenticated");
        const auth = await Effect.runPromiseExit(authenticator.authenticate(message.token));
        if (Exit.isFailure(auth)) return unavailable(auth.cause) ? tryAgainLater(socket) : refuse(socket, "Authentication failed");
        clearTimeout(authTimer);
        if (closed) return;
        userId = auth.value.userId;
        closeAtExpiry(auth.value.expiresAt);
        const resolved = await Effect.runPromiseExit(notebooks.resolve(userId, requestedId));
        if (Exit.isSuccess(resolved)) notebookId = resolved.value;
        try {
          if (Exit.isFailure(resolved)) throw new Error("Notebook not found");
          await subscribe();
        } catch (error) {
          // The editor stops reconnecting on 1008 only; it learns the token was fine first.
          send(socket, { type: "authenticated", user_id: userId });
          return refuse(socket, (error as Error).message);
        }
        return send(socket, { type: "authenticated", user_id: userId });
      }
      if (message.type === "authenticate" || message.type === "refresh_auth") {
        const auth = await Effect.runPromiseExit(authenticator.authenticate(message.token));
        if (Exit.isFailure(auth)) return unavailable(auth.cause) ? tryAgainLater(socket) : refuse(socket, "Authentication failed");
        if (auth.value.userId !== userId) return refuse(socket, "Token is for another user");
        closeAtExpiry(auth.value.expiresAt);
        return send(socket, message.type === "refresh_auth" ? { type: "auth_refreshed" } : { type: "authenticated", user_id: auth.value.userId });
      }
      const run = await Effect.runPromiseExit(notebooks.runCell(notebookId, message.cellId));
      if (Exit.isFailure(run)) send(socket, { type: "error", cellId: echo(message.cellId), message: "Cell not found" });
    };

    socket.on("message", (raw) => {
      let parsed: ClientMessage;
      try {
        const result = clientMessage.safeParse(JSON.parse(String(raw)));
        if (!result.success) return send(socket, { type: "error", message: echo(`Invalid message: ${z.prettifyError(result.error)}`) });
        parsed = result.data;
      } catch {
        return send(socket, { type: "error", message: "Invalid message: not JSON" });
      }
      queue = queue.then(() => handle(parsed)).catch((error: unknown) => logger.warn({ notebook: notebookId, err: error }, "reactive socket: a message was not handled"));
    });
    socket.on("close", () => {
      closed = true;
      clearTimeout(authTimer);
      clearTimeout(expiryTimer);
      if (forwarding) Effect.runFork(Fiber.interrupt(forwarding));
    });
    socket.on("error", () => socket.terminate());
  };
}
