import * as Effect from "effect/Effect";
import type { Unauthorized } from "@parallax/domain";
import { LOCAL_USER_ID, type Authenticator, type Principal } from "@parallax/application";

const local: Principal = { userId: LOCAL_USER_ID, roles: [] };

/** `AUTH=none` (local development): any credential, or none, is the single user `local`. */
export class NoAuthAuthenticator implements Authenticator {
  authenticate(_credential: string): Effect.Effect<Principal, Unauthorized> {
    return Effect.succeed(local);
  }
}
