import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const jsonObject = z.record(z.string(), z.unknown());

/**
 * Test support: local HTTP servers that speak each provider's streaming wire format, answering
 * each request from a script, so the assistant's adapters and the chat are tested end to end
 * without a network. A reply is written one SSE frame per write, as a provider flushes them.
 */

/** A reply in the providers' common terms: text in pieces, tool calls (their JSON arguments sent in small pieces). */
export type ScriptedPart = { readonly text: readonly string[] } | { readonly toolCall: { readonly id: string; readonly name: string; readonly input: unknown } };
export interface ScriptedReply {
  readonly parts: readonly ScriptedPart[];
  readonly stop: "end_turn" | "tool_use";
}

/** What the stub answers one request with. */
export type StubAnswer =
  /** SSE frames, then the end of the response, unless `hold` keeps it open (until the client goes away). */
  | { readonly frames: readonly string[]; readonly hold?: boolean }
  /** A refusal: status and JSON body. */
  | { readonly status: number; readonly body: unknown };

export interface StubRequest {
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Record<string, unknown>;
  /** Resolves when the client closed the connection before the answer ended (an aborted request). */
  readonly aborted: Promise<void>;
}

export interface ProviderStub {
  readonly url: string;
  readonly requests: StubRequest[];
  close(): Promise<void>;
}

export type ProviderWire = "anthropic" | "openai";

/** Arguments cut into pieces of this many characters: a call's JSON arrives in many deltas. */
const PIECE = 4;
function pieces(text: string): string[] {
  const cut: string[] = [];
  for (let at = 0; at < text.length; at += PIECE) cut.push(text.slice(at, at + PIECE));
  return cut;
}

const frame = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** The reply as the Anthropic Messages API streams it. */
export function anthropicFrames(reply: ScriptedReply): string[] {
  const send = (data: { type: string; [field: string]: unknown }) => frame(data, data.type);
  const frames = [send({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "stub", stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } } }), send({ type: "ping" })];
  reply.parts.forEach((part, index) => {
    if ("text" in part) {
      frames.push(send({ type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      for (const text of part.text) frames.push(send({ type: "content_block_delta", index, delta: { type: "text_delta", text } }));
    } else {
      const { id, name, input } = part.toolCall;
      frames.push(send({ type: "content_block_start", index, content_block: { type: "tool_use", id, name, input: {} } }));
      for (const partial_json of pieces(JSON.stringify(input))) frames.push(send({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }));
    }
    frames.push(send({ type: "content_block_stop", index }));
  });
  frames.push(send({ type: "message_delta", delta: { stop_reason: reply.stop, stop_sequence: null }, usage: { output_tokens: 9 } }));
  frames.push(send({ type: "message_stop" }));
  return frames;
}

/** The reply as OpenAI-compatible chat completions stream it. */
export function openAiFrames(reply: ScriptedReply): string[] {
  const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null) =>
    frame({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "stub", choices: [{ index: 0, delta, finish_reason }] });
  const frames = [chunk({ role: "assistant", content: "" })];
  let callIndex = 0;
  for (const part of reply.parts) {
    if ("text" in part) {
      for (const content of part.text) frames.push(chunk({ content }));
      continue;
    }
    const { id, name, input } = part.toolCall;
    const index = callIndex++;
    frames.push(chunk({ tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }] }));
    for (const argumentsPiece of pieces(JSON.stringify(input))) frames.push(chunk({ tool_calls: [{ index, function: { arguments: argumentsPiece } }] }));
  }
  frames.push(chunk({}, reply.stop === "tool_use" ? "tool_calls" : "stop"));
  frames.push(frame("[DONE]"));
  return frames;
}

export function framesFor(wire: ProviderWire, reply: ScriptedReply): string[] {
  return wire === "anthropic" ? anthropicFrames(reply) : openAiFrames(reply);
}

/** Starts a stub on 127.0.0.1 (a free port) answering the n-th request (from 1) with `answer(request, n)`. */
export async function startProviderStub(answer: (request: StubRequest, n: number) => StubAnswer): Promise<ProviderStub> {
  const requests: StubRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let ended = false;
      const aborted = new Promise<void>((resolve) => res.on("close", () => (ended ? undefined : resolve())));
      const request: StubRequest = { path: req.url ?? "/", headers: req.headers, body: jsonObject.parse(JSON.parse(Buffer.concat(chunks).toString("utf8"))), aborted };
      requests.push(request);
      const reply = answer(request, requests.length);
      if ("status" in reply) {
        ended = true;
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const text of reply.frames) res.write(text);
      if (!reply.hold) {
        ended = true;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
