import type * as Effect from "effect/Effect";
import type { AuthenticationUnavailable, Unauthorized } from "@parallax/domain";

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
 * `Unauthorized` says the credential is bad; `AuthenticationUnavailable` says it could not be
 * judged (what verification depends on is down), so a caller must not treat it as a refusal.
 * An adapter that depends on nothing remote (API keys, `AUTH=none`) never fails with the latter.
 */
export interface Authenticator {
  authenticate(credential: string): Effect.Effect<Principal, Unauthorized | AuthenticationUnavailable>;
}
export const Authenticator = Symbol.for("parallax.Authenticator");

export { LOCAL_USER_ID } from "@parallax/domain";
