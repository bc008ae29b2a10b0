import { createHash } from "node:crypto";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { ApiKeyAuthenticator } from "./api-key.authenticator.js";

const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");

describe("ApiKeyAuthenticator", () => {
  const authenticator = new ApiKeyAuthenticator([
    { sha256: sha256("key-of-alice"), userId: "alice", roles: ["admin"] },
    { sha256: sha256("key-of-bot"), userId: "bot", roles: [] },
  ]);

  it("knows a configured key by its hash: the user and roles configured with it", async () => {
    expect(await Effect.runPromise(authenticator.authenticate("key-of-alice"))).toEqual({ userId: "alice", roles: ["admin"] });
    expect(await Effect.runPromise(authenticator.authenticate("key-of-bot"))).toEqual({ userId: "bot", roles: [] });
  });

  it.each(["", "key-of-alic", "key-of-alice ", sha256("key-of-alice")])("refuses %j as Unauthorized", async (key) => {
    const exit = await Effect.runPromiseExit(authenticator.authenticate(key));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("Unauthorized");
  });
});
