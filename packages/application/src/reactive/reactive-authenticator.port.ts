import type { Effect } from "effect";
import type { Unauthorized } from "@parallax/domain";

/** Checks the WebSocket `authenticate` token (§B); with `AUTH=none` any token is the user `local`. */
export interface ReactiveAuthenticator {
  authenticate(token: string): Effect.Effect<{ userId: string }, Unauthorized>;
}
export const ReactiveAuthenticator = Symbol.for("parallax.ReactiveAuthenticator");
