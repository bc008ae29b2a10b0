import type * as Effect from "effect/Effect";
import type { Unauthorized } from "@parallax/domain";

/** Who a request or a socket acts for, once its credential was verified. */
export interface Principal {
  readonly userId: string;
  readonly roles: readonly string[];
  /** When the credential stops being valid (epoch ms); absent for credentials that do not expire (API keys, `AUTH=none`). */
  readonly expiresAt?: number;
}

/**
 * Verifies one credential (a JWT, an API key) into a `Principal`. Where the credential was
 * read from (a header, a cookie, a socket message) is the driving adapter's business.
 */
export interface Authenticator {
  authenticate(credential: string): Effect.Effect<Principal, Unauthorized>;
}
export const Authenticator = Symbol.for("parallax.Authenticator");

export { LOCAL_USER_ID } from "@parallax/domain";
