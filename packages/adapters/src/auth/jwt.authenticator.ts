import * as Effect from "effect/Effect";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { Unauthorized } from "@parallax/domain";
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

/** What the client is told; the exact jose reason goes to the log at debug. */
const REJECTED = "Invalid or expired token";

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
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.cooldownMs, cacheMaxAge: options.cacheMaxAgeMs, timeoutDuration: 5_000 });
  }

  authenticate(credential: string): Effect.Effect<Principal, Unauthorized> {
    if (credential === "") return Effect.fail(new Unauthorized({ message: "Not authenticated" }));
    const { issuer, audience, algorithms, clockToleranceS, authorizedParties, rolesClaim, logger } = this.options;
    return Effect.tryPromise({
      try: () =>
        jwtVerify(credential, this.keys, {
          issuer,
          ...(audience ? { audience: [...audience] } : {}),
          algorithms: [...algorithms],
          clockTolerance: clockToleranceS,
          requiredClaims: ["sub", "exp"],
        }),
      catch: (error) => {
        // A key set that cannot be fetched is the server's trouble, not the token's: said louder.
        const unreachable = !(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout;
        if (unreachable) logger.warn({ err: error }, "JWT: the key set could not be fetched");
        else logger.debug({ reason: error.code, message: error.message }, "JWT rejected");
        return new Unauthorized({ message: unreachable ? "Token could not be verified" : REJECTED });
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
