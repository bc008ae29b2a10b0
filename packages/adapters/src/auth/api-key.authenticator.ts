import { createHash, timingSafeEqual } from "node:crypto";
import * as Effect from "effect/Effect";
import { Unauthorized } from "@parallax/domain";
import type { Authenticator, Principal } from "@parallax/application";
import type { ApiKeyEntry } from "./auth.config.js";

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * `AUTH=apikey`: a key is hashed and compared in constant time with every configured hash
 * (all of them, whichever matches, so the time taken says nothing about which key is near).
 */
export class ApiKeyAuthenticator implements Authenticator {
  private readonly keys: ReadonlyArray<{ hash: Buffer; principal: Principal }>;

  constructor(entries: readonly ApiKeyEntry[]) {
    this.keys = entries.map((entry) => ({ hash: Buffer.from(entry.sha256, "hex"), principal: { userId: entry.userId, roles: entry.roles } }));
  }

  authenticate(credential: string): Effect.Effect<Principal, Unauthorized> {
    return Effect.suspend(() => {
      const presented = sha256(credential);
      let found: Principal | undefined;
      for (const key of this.keys) if (timingSafeEqual(presented, key.hash) && found === undefined) found = key.principal;
      return found && credential !== "" ? Effect.succeed(found) : Effect.fail(new Unauthorized({ message: credential === "" ? "Not authenticated" : "Invalid API key" }));
    });
  }
}
