import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NotFound } from "@parallax/domain";
import { ParallaxError, runAsPromise } from "./promise-facade.js";

describe("Promise facade for library users", () => {
  it("resolves with the program's value", async () => {
    await expect(runAsPromise(Effect.succeed(42))).resolves.toBe(42);
  });

  it("turns a tagged failure into a ParallaxError carrying the tag", async () => {
    const error = await runAsPromise(Effect.fail(new NotFound({ message: "Notebook not found" }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParallaxError);
    expect((error as ParallaxError).tag).toBe("NotFound");
    expect((error as ParallaxError).message).toBe("Notebook not found");
  });

  it("aborting the signal interrupts the running program", async () => {
    const controller = new AbortController();
    let finalized = false;
    const program = Effect.never.pipe(Effect.ensuring(Effect.sync(() => (finalized = true))));
    const running = runAsPromise(program, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await running.catch((e: unknown) => e);
    expect((error as ParallaxError).tag).toBe("Interrupted");
    expect(finalized).toBe(true);
  });
});
