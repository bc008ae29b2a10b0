import { WebSocket } from "ws";

type Random = () => number;

export interface SocketFuzzResult {
  label: string;
  /** Frames this client sent before the host closed the socket (or it was done). */
  sent: number;
  /** The host's close code; undefined when the client closed first. */
  closeCode: number | undefined;
  /** Why the handshake failed, when it did (an HTTP status other than 101). */
  refused?: number;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** One bad frame (or run of frames) for a socket whose messages may not exceed `maxBytes`. */
function sendBadMessage(socket: WebSocket, random: Random, maxBytes: number): string {
  const roll = random();
  if (roll < 0.15) {
    socket.send(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 256) }, () => Math.floor(random() * 256))));
    return "binary";
  }
  if (roll < 0.3) {
    socket.send(pick(random, ["{", "not json", '{"type":', "\u0000", "[1,2", "{'type':'run_cell'}"]));
    return "invalid JSON";
  }
  if (roll < 0.55) {
    const message = pick<unknown>(random, [
      { type: "run_cell", cellId: 5 },
      { type: "run_cell" },
      { type: "authenticate", token: {} },
      { type: "refresh_auth", token: null },
      { type: "nope" },
      { type: ["run_cell"] },
      [],
      null,
      "run_cell",
      42,
      { type: "run_cell", cellId: "x" },
      { type: "authenticate", token: "t".repeat(10_000) },
    ]);
    socket.send(JSON.stringify(message));
    return "wrong types";
  }
  if (roll < 0.62) {
    socket.send(`${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`);
    return "deep JSON";
  }
  if (roll < 0.7) {
    socket.send("x".repeat(maxBytes + 1));
    return "over the size limit";
  }
  if (roll < 0.78) {
    // Fragments, each small, that add up past the limit: an unfinished message must not grow without end.
    const piece = "f".repeat(Math.ceil(maxBytes / 4));
    for (let i = 0; i < 5; i++) socket.send(piece, { fin: false });
    return "fragments past the limit";
  }
  if (roll < 0.84) {
    socket.send(Buffer.from([0xff, 0xfe, 0xc0]), { binary: false });
    return "invalid UTF-8 text";
  }
  if (roll < 0.9) {
    socket.ping(Buffer.from("p".repeat(100)));
    socket.pong();
    return "ping and unsolicited pong";
  }
  socket.send(JSON.stringify({ type: "authenticate", token: "fuzz" }));
  return "authenticate";
}

/**
 * Test support: opens a WebSocket to `url` (no Origin, as a non-browser client), sends up to
 * `count` bad messages (after an `authenticate` if asked) and reports how the host ended the
 * conversation.
 */
export function fuzzWebSocket(url: string, random: Random, count: number, maxBytes: number, authenticateFirst = false): Promise<SocketFuzzResult> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    const kinds: string[] = [];
    let closeCode: number | undefined;
    let refused: number | undefined;
    const done = () =>
      resolve({ label: `${url.replace(/^ws:\/\/[^/]+/, "")} — ${kinds.join(", ")}`, sent: kinds.length, closeCode, ...(refused ? { refused } : {}) });
    socket.on("unexpected-response", (_request, response) => {
      refused = response.statusCode;
      socket.terminate();
    });
    socket.on("error", () => undefined);
    socket.on("message", () => undefined);
    socket.on("close", (code) => {
      if (closeCode === undefined && code !== 1005 && code !== 1006) closeCode = code;
      done();
    });
    socket.on("open", async () => {
      // Past authentication the host handles messages on another path: reach it too.
      if (authenticateFirst) {
        socket.send(JSON.stringify({ type: "authenticate", token: "fuzz" }));
        kinds.push("authenticate");
      }
      for (let i = 0; i < count && socket.readyState === WebSocket.OPEN; i++) {
        kinds.push(sendBadMessage(socket, random, maxBytes));
        // Lets the host answer between frames, as a real client's messages would arrive.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    });
  });
}
