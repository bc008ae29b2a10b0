import { StringDecoder } from "node:string_decoder";
import type { LogEntry, LogStream } from "@parallax/application/jobs";

/**
 * Turns a byte stream into timestamped lines. Memory stays bounded: a line longer than
 * `maxLineBytes` is emitted in pieces rather than accumulated. `\r\n` and a lone trailing
 * `\r` (progress bars) end a line too.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(
    private readonly stream: LogStream,
    private readonly emit: (entry: LogEntry) => void,
    private readonly maxLineChars = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let text = this.partial + this.decoder.write(chunk);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char !== 10 && char !== 13) continue;
      this.line(text.slice(start, i));
      if (char === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    text = text.slice(start);
    while (text.length > this.maxLineChars) {
      this.line(text.slice(0, this.maxLineChars));
      text = text.slice(this.maxLineChars);
    }
    this.partial = text;
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest.length > 0) this.line(rest);
  }

  private line(message: string): void {
    const timestamp = new Date().toISOString();
    for (let start = 0; start === 0 || start < message.length; start += this.maxLineChars) {
      this.emit({ stream: this.stream, timestamp, message: message.slice(start, start + this.maxLineChars) });
    }
  }
}
