import type { z } from "zod";

/**
 * Splits the kernel's protocol stream into lines without ever holding more than `maxBytes`
 * of one line: a longer line is dropped as it arrives and reported once it ends, with its
 * first bytes (enough to tell which message it was) and its length. Node's readline would
 * build the whole line as one string, and a 600 MB line throws `Invalid string length`.
 */
export class ProtocolLines {
  private parts: Buffer[] = [];
  private length = 0;
  /** Set while dropping an over-long line. */
  private overlong: { head: Buffer; bytes: number } | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (head: string, bytes: number) => void,
    private readonly headBytes = 256,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      this.take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      this.end();
      start = newline + 1;
    }
  }

  private take(piece: Buffer): void {
    if (this.overlong) {
      this.overlong.bytes += piece.length;
      return;
    }
    if (this.length + piece.length <= this.maxBytes) {
      this.parts.push(piece);
      this.length += piece.length;
      return;
    }
    const head: Buffer[] = [];
    let headLength = 0;
    for (const part of [...this.parts, piece]) {
      if (headLength >= this.headBytes) break;
      head.push(part.subarray(0, this.headBytes - headLength));
      headLength += head.at(-1)!.length;
    }
    // A copy: the head must not keep the chunks it came from alive.
    this.overlong = { head: Buffer.concat(head), bytes: this.length + piece.length };
    this.parts = [];
    this.length = 0;
  }

  private end(): void {
    const overlong = this.overlong;
    if (overlong) {
      this.overlong = undefined;
      this.onOverlong(overlong.head.toString("utf8"), overlong.bytes);
      return;
    }
    const line = this.parts.length === 1 ? this.parts[0]!.toString("utf8") : Buffer.concat(this.parts, this.length).toString("utf8");
    this.parts = [];
    this.length = 0;
    this.onLine(line);
  }
}

/** A protocol line as the message `schema` allows, or undefined (not JSON, or not a message). */
export function parseLine<T>(line: string, schema: z.ZodType<T>): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

interface StreamMessage {
  type: "stream";
  name: "stdout" | "stderr";
  text: string;
}

/**
 * Joins the stream chunks of one read into one (a print loop sends a line per message, and
 * each would otherwise be its own event for every client); order across messages is kept.
 */
export function streamsJoined<M extends { type: string }>(deliver: (message: M) => void) {
  let pending: (M & StreamMessage) | undefined;
  const flush = () => {
    const joined = pending;
    pending = undefined;
    if (joined) deliver(joined);
  };
  const isStream = (message: M): message is M & StreamMessage => message.type === "stream";
  return {
    push(message: M) {
      if (isStream(message) && pending?.name === message.name) pending.text += message.text;
      else {
        flush();
        if (isStream(message)) pending = { ...message };
        else deliver(message);
      }
    },
    flush,
  };
}
