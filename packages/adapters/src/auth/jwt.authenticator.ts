import * as Effect from "effect/Effect";
import type { JWTPayload } from "jose";
import { AuthenticationUnavailable, Unauthorized } from "@parallax/domain";
import type { Authenticator, Principal } from "@parallax/application";
import type { Logger } from "../shared/logger.js";

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience?: readonly string[] | undefined;
  authorizedParties?: readonly string[] | undefined;
  algorithms: readonly string[];
  clockToleranceS: number;
  rolesClaim: string;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  logger: Logger;
}

type Jose = typeof import("jose");
/** jose, imported when a first token is verified rather than at start (issue 11: only AUTH=jwt uses it). */
let jose: Promise<Jose> | undefined;
let loadedJose: Jose | undefined;
function importJose(): Promise<Jose> {
  return (jose ??= import("jose").then((module) => (loadedJose = module)));
}

/** What the client is told; the exact jose reason goes to the log at debug. */
const REJECTED = "Invalid or expired token";
/** Told when the key set could not be had: nothing about the token, nothing about the issuer's address. */
const UNAVAILABLE = "Authentication is temporarily unavailable";

/**
 * How long a failed fetch of the key set is remembered: a verification that needs the key set
 * meanwhile fails at once (503) instead of fetching again. jose waits between fetches only after
 * one succeeded, so during an outage every such request fetched anew, each waiting up to the
 * 5 s timeout for a hanging issuer and all of them hammering it. Tokens whose key jose holds
 * still verify. As long as the 503's `Retry-After`.
 */
const FAILED_FETCH_MEMORY_MS = 5_000;

/** A fetch of the key set not tried because the last one failed moments ago. */
class KeySetRecentlyFailed extends Error {}

/**
 * Whether verification failed for want of the key set rather than because of the token: the
 * fetch itself (refused, reset, DNS: not a jose error), its timeout, a non-200 or non-JSON answer
 * (jose's bare `JOSEError`, which it throws only there) and a malformed key set (`JWKSInvalid`,
 * which depends on the issuer's answer alone). No token can produce any of these.
 */
function keySetUnavailable(error: unknown, errors: Jose["errors"] | undefined): boolean {
  if (!errors || !(error instanceof errors.JOSEError)) return true;
  return error.constructor === errors.JOSEError || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
}

function rolesOf(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === "string") : [];
}

/**
 * `AUTH=jwt`: a token verified with jose against a remote JWKS (Clerk's
 * `/.well-known/jwks.json` and any other). jose caches the key set, refetches it when a token
 * names an unknown `kid` (at most once per cooldown, so a flood of made-up `kid`s cannot make
 * the host hammer the issuer) and refuses `alg: none` and every algorithm not pinned here.
 * `sub` is the user id; `exp` is required.
 */
export class JwtAuthenticator implements Authenticator {
  private keys: ReturnType<Jose["createRemoteJWKSet"]> | undefined;
  private readonly jwksUrl: URL;
  /** When the last fetch of the key set failed (0: it did not). */
  private failedAt = 0;
  /** The key set's fetch, refused at once while a failure is remembered (`FAILED_FETCH_MEMORY_MS`). */
  private readonly fetchKeySet = (url: string, init: RequestInit): Promise<Response> => {
    const since = Date.now() - this.failedAt;
    if (since < FAILED_FETCH_MEMORY_MS) return Promise.reject(new KeySetRecentlyFailed(`the key set could not be fetched ${since} ms ago; not tried again yet`));
    return fetch(url, init);
  };

  constructor(private readonly options: JwtOptions) {
    // Parsed here so a bad JWKS_URL still fails the start, not the first request.
    this.jwksUrl = new URL(options.jwksUrl);
  }

  /** jose's cached remote key set, made on the first verification (one per authenticator). */
  private async verify(credential: string) {
    const { createRemoteJWKSet, customFetch, jwtVerify } = await importJose();
    const { issuer, audience, algorithms, clockToleranceS, cooldownMs, cacheMaxAgeMs } = this.options;
    this.keys ??= createRemoteJWKSet(this.jwksUrl, { cooldownDuration: cooldownMs, cacheMaxAge: cacheMaxAgeMs, timeoutDuration: 5_000, [customFetch]: this.fetchKeySet });
    return jwtVerify(credential, this.keys, {
      issuer,
      ...(audience ? { audience: [...audience] } : {}),
      algorithms: [...algorithms],
      clockTolerance: clockToleranceS,
      requiredClaims: ["sub", "exp"],
    });
  }

  authenticate(credential: string): Effect.Effect<Principal, Unauthorized | AuthenticationUnavailable> {
    if (credential === "") return Effect.fail(new Unauthorized({ message: "Not authenticated" }));
    const { authorizedParties, rolesClaim, logger } = this.options;
    return Effect.tryPromise({
      try: () => this.verify(credential),
      catch: (error): Unauthorized | AuthenticationUnavailable => {
        // A key set that cannot be had is the server's trouble, not the token's: said louder, and
        // not a 401, on which a client would drop a token that may be perfectly good.
        if (error instanceof KeySetRecentlyFailed) {
          logger.debug({ reason: error.message }, "JWT: the key set is out of reach");
          return new AuthenticationUnavailable({ message: UNAVAILABLE });
        }
        if (keySetUnavailable(error, loadedJose?.errors)) {
          this.failedAt = Date.now();
          logger.warn({ err: error }, "JWT: the key set could not be fetched");
          return new AuthenticationUnavailable({ message: UNAVAILABLE });
        }
        const { code, message } = error as { code?: string; message?: string };
        logger.debug({ reason: code, message }, "JWT rejected");
        return new Unauthorized({ message: REJECTED });
      },
    }).pipe(
      Effect.flatMap(({ payload }) => {
        const azp = payload["azp"];
        if (authorizedParties && !(typeof azp === "string" && authorizedParties.includes(azp))) {
          logger.debug({ azp }, "JWT rejected: azp not allowed");
          return Effect.fail(new Unauthorized({ message: REJECTED }));
        }
        return Effect.succeed({ userId: payload.sub!, roles: rolesOf(payload, rolesClaim), expiresAt: payload.exp! * 1000 });
      }),
    );
  }
}
