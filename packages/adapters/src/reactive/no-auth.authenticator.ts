import { Effect } from "effect";
import type { Unauthorized } from "@parallax/domain";
import type { ReactiveAuthenticator } from "@parallax/application/reactive";

/** `AUTH=none`: every token is the single local user (JWT authentication comes later). */
export class NoAuthAuthenticator implements ReactiveAuthenticator {
  authenticate(_token: string): Effect.Effect<{ userId: string }, Unauthorized> {
    return Effect.succeed({ userId: "local" });
  }
}
