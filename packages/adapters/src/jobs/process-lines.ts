import * as Stream from "effect/Stream";
import type { ProcessLine } from "@parallax/application/jobs";

/**
 * Breaks every run of more than `maxLineChars` characters without a line end, so that no
 * line (a progress bar without newlines, a binary dump) is held in memory whole.
 */
const breakLongRuns = (maxLineChars: number) =>
  Stream.mapAccum(
    () => 0,
    (run: number, text: string) => {
      let broken = "";
      let from = 0;
      for (let i = 0; i < text.length; i++) {
        const char = text.charCodeAt(i);
        if (char === 10 || char === 13) {
          run = 0;
          continue;
        }
        if (run === maxLineChars) {
          broken += `${text.slice(from, i)}\n`;
          from = i;
          run = 0;
        }
        run++;
      }
      return [run, [broken + text.slice(from)]] as const;
    },
  );

/**
 * A pipe's bytes as lines: UTF-8 decoded across chunk boundaries, split at `\n`, `\r\n` and a
 * lone `\r` (progress bars), no line longer than `maxLineChars` (longer ones come in pieces).
 */
export function linesOf<E>(bytes: Stream.Stream<Uint8Array, E>, stream: ProcessLine["stream"], maxLineChars = 64 * 1024): Stream.Stream<ProcessLine, E> {
  return bytes.pipe(
    Stream.decodeText,
    breakLongRuns(maxLineChars),
    Stream.splitLines,
    Stream.map((message): ProcessLine => ({ stream, message })),
  );
}
