import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { z } from "zod";
import { LanguageModelFailure, type ModelEvent } from "@parallax/application/reactive";
import { sseData } from "./sse-data.js";

/** The message of a provider's error body: Anthropic's and OpenAI's both carry `error.message`. */
const errorBody = z.object({ error: z.union([z.object({ message: z.string() }), z.string()]) });

const MAX_ERROR_TEXT = 500;

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function providerMessage(text: string): string {
  const parsed = errorBody.safeParse(jsonOf(text));
  const message = parsed.success ? (typeof parsed.data.error === "string" ? parsed.data.error : parsed.data.error.message) : text;
  return message.length > MAX_ERROR_TEXT ? `${message.slice(0, MAX_ERROR_TEXT)}…` : message;
}

export interface ProviderRequest {
  /** For messages: `anthropic`, `openai`. */
  readonly provider: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * POSTs a streaming request and gives the `data` of each Server-Sent Event of the answer. The
 * request is aborted when the stream's scope closes: when it is interrupted (the chat's client
 * went away), and after its end. A refusal (any status but 2xx) is a failure with the
 * provider's message; so is a connection that fails before or while the answer streams.
 */
export function providerEvents(request: ProviderRequest): Stream.Stream<string, LanguageModelFailure> {
  const { provider } = request;
  const failure = (message: string, status?: number) =>
    new LanguageModelFailure({ message: `The language model (${provider}) ${message}`, ...(status === undefined ? {} : { status }) });
  const unreachable = (cause: unknown) => failure(`could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`);
  return Stream.unwrap(
    Effect.gen(function* () {
      const abort = yield* Effect.acquireRelease(
        Effect.sync(() => new AbortController()),
        (controller) => Effect.sync(() => controller.abort()),
      );
      const response = yield* Effect.tryPromise({
        try: () =>
          fetch(request.url, {
            method: "POST",
            headers: { "content-type": "application/json", accept: "text/event-stream", ...request.headers },
            body: JSON.stringify(request.body),
            signal: abort.signal,
          }),
        catch: unreachable,
      });
      if (!response.ok) {
        const text = yield* Effect.tryPromise({ try: () => response.text(), catch: unreachable });
        return yield* Effect.fail(failure(`answered ${response.status}: ${providerMessage(text) || response.statusText}`, response.status));
      }
      const body = response.body;
      if (body === null) return yield* Effect.fail(failure("answered with no body"));
      return sseData(Stream.fromReadableStream({ evaluate: () => body, onError: (cause) => failure(`stream broke off: ${cause instanceof Error ? cause.message : String(cause)}`) }));
    }),
  );
}

/** A provider's stream that is not what its format says. */
export function malformed(provider: string, detail: string): LanguageModelFailure {
  return new LanguageModelFailure({ message: `The language model (${provider}) sent a malformed stream: ${detail}` });
}

/** Parses one event's JSON with `schema`; anything else is a malformed stream. */
export function parseEvent<T>(provider: string, schema: z.ZodType<T>, data: string): Effect.Effect<T, LanguageModelFailure> {
  const json = jsonOf(data);
  if (json === undefined) return Effect.fail(malformed(provider, `not JSON: ${data.slice(0, 200)}`));
  const parsed = schema.safeParse(json);
  return parsed.success ? Effect.succeed(parsed.data) : Effect.fail(malformed(provider, z.prettifyError(parsed.error)));
}

/**
 * How one provider's stream becomes `ModelEvent`s: `accept` takes each event's data, `end`
 * is called when the stream ends (and fails if it ended before its end marker). The stream
 * stops at `stop`, the last event of a reply.
 */
export interface WireReader {
  accept(data: string): Effect.Effect<readonly ModelEvent[], LanguageModelFailure>;
  end(): Effect.Effect<readonly ModelEvent[], LanguageModelFailure>;
}

export function readWire(payloads: Stream.Stream<string, LanguageModelFailure>, reader: () => WireReader): Stream.Stream<ModelEvent, LanguageModelFailure> {
  return Stream.suspend(() => {
    const wire = reader();
    return Stream.concat(
      Stream.mapEffect(payloads, (data) => wire.accept(data)),
      Stream.fromEffect(Effect.suspend(() => wire.end())),
    ).pipe(
      Stream.flattenIterable,
      Stream.takeUntil((event) => event.type === "stop"),
    );
  });
}
