import Koa, { HttpError } from "koa";
import { describe, expect, it } from "vitest";
import { AuthenticationUnavailable, Conflict, StorageFailure } from "@parallax/domain";
import { IllegalTransition } from "@parallax/domain/jobs";
import { toHttpFailure } from "./errors.js";

/** An error as koa's `ctx.throw(status, message, props)` makes it, from a real context. */
function thrownByKoa(status: number, message: string, props?: Record<string, unknown>): unknown {
  const ctx = new Koa().createContext({ headers: {}, socket: {} } as never, {} as never);
  try {
    ctx.throw(status, message, props ?? {});
  } catch (error) {
    return error;
  }
  throw new Error("ctx.throw returned");
}

describe("toHttpFailure: koa's errors and the tagged errors in one mapping", () => {
  it("answers a koa 4xx with its message and extra details", () => {
    const error = thrownByKoa(400, "No file provided", { details: { field: "file" } });
    expect(error).toBeInstanceOf(HttpError);
    expect(toHttpFailure(error)).toEqual({ status: 400, message: "No file provided", details: { field: "file" } });
  });

  it("hides a koa 5xx unless thrown with expose", () => {
    expect(toHttpFailure(thrownByKoa(500, "disk on fire"))).toBeUndefined();
    expect(toHttpFailure(thrownByKoa(503, "configure LLM_PROVIDER", { expose: true }))).toEqual({ status: 503, message: "configure LLM_PROVIDER" });
  });

  it("maps tagged errors through the static table, details included, and hides 5xx tags", () => {
    expect(toHttpFailure(new Conflict({ message: "stale", details: { revision: 3 } }))).toEqual({ status: 409, message: "stale", details: { revision: 3 } });
    expect(toHttpFailure(new IllegalTransition({ message: "job j1 is succeeded", jobId: "j1", from: "succeeded" }))).toEqual({ status: 409, message: "job j1 is succeeded" });
    expect(toHttpFailure(new StorageFailure({ message: "EIO" }))).toBeUndefined();
  });

  it("exposes a retryable 5xx tag with its message and Retry-After, not as an internal error", () => {
    expect(toHttpFailure(new AuthenticationUnavailable({ message: "try later" }))).toEqual({ status: 503, message: "try later", retryAfterS: 5 });
  });

  it("leaves plain errors and unknown tags to the 500 path", () => {
    expect(toHttpFailure(new Error("boom"))).toBeUndefined();
    expect(toHttpFailure({ _tag: "SomethingNew", message: "?" })).toBeUndefined();
  });
});
