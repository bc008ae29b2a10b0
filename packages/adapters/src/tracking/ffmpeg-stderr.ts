import { z } from "zod";

/**
 * Reading ffmpeg's stderr. The `showinfo` filter, last in the chain, prints one line per frame it
 * passes on (its number, its pts in the filter's time base and its size) before the frame reaches
 * the output pipe; those lines give every frame its exact presentation time. Everything else that
 * is not the banner is kept (the last few lines) as the reason when ffmpeg fails.
 */
export interface ShowinfoFrame {
  readonly n: number;
  readonly pts: number;
  readonly width: number;
  readonly height: number;
}

export type StderrLine =
  | { readonly kind: "timeBase"; readonly num: number; readonly den: number }
  | { readonly kind: "frame"; readonly frame: ShowinfoFrame }
  | { readonly kind: "diagnostic"; readonly text: string }
  | { readonly kind: "ignored" };

const TIME_BASE = /^\[Parsed_showinfo_\d+ @ [^\]]+\] config in time_base: (\d+)\/(\d+)/;
const FRAME = /^\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*(\d+) pts:\s*(-?\d+) .*? s:(\d+)x(\d+)/;
/** The banner and progress: ffmpeg's normal chatter, never a reason. */
const CHATTER = /^(\s|\[Parsed_showinfo_|Input #|Output #|Stream mapping:|Press \[q\]|video:\d|frame=|-vsync is deprecated)/;

const count = z.coerce.number().int().nonnegative();
const positive = z.coerce.number().int().positive();
const frameFields = z.object({ n: count, pts: z.coerce.number().int(), width: positive, height: positive });
const timeBaseFields = z.object({ num: positive, den: positive });

/** A line that looks like showinfo's but does not parse is kept as a diagnostic, never trusted. */
export function parseStderrLine(line: string): StderrLine {
  const frame = FRAME.exec(line);
  const parsedFrame = frame && frameFields.safeParse({ n: frame[1], pts: frame[2], width: frame[3], height: frame[4] });
  if (parsedFrame?.success) return { kind: "frame", frame: parsedFrame.data };
  const timeBase = TIME_BASE.exec(line);
  const parsedTimeBase = timeBase && timeBaseFields.safeParse({ num: timeBase[1], den: timeBase[2] });
  if (parsedTimeBase?.success) return { kind: "timeBase", ...parsedTimeBase.data };
  if (frame === null && timeBase === null && (line.trim() === "" || CHATTER.test(line))) return { kind: "ignored" };
  return { kind: "diagnostic", text: line.trim() };
}

/** The last `limit` diagnostic lines: enough for a reason, bounded however much ffmpeg complains. */
export class DiagnosticTail {
  private readonly lines: string[] = [];
  constructor(private readonly limit = 8) {}

  push(text: string): void {
    this.lines.push(text);
    if (this.lines.length > this.limit) this.lines.shift();
  }

  reason(fallback: string): string {
    return this.lines.length > 0 ? this.lines.join("\n") : fallback;
  }
}
