/**
 * MOTChallenge text format: `frame, id, bb_left, bb_top, bb_width, bb_height, conf, x, y, z`
 * (ground truth uses the 8th/9th columns for class and visibility). Pure string functions; the
 * CLI reads and writes the files.
 */
export interface MotRow {
  readonly frame: number;
  readonly id: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly confidence: number;
  /** Columns 8–10 as written (class/visibility in ground truth, world x/y/z in results). */
  readonly extra: readonly [number, number, number];
}

export class MotFormatError extends Error {}

/** Parses comma, tab or space separated rows; blank lines and `#` comments are skipped. */
export function parseMot(text: string): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s*[,\t ]\s*/).filter((field) => field !== "");
    if (fields.length < 6) throw new MotFormatError(`line ${index + 1}: expected at least 6 fields, got ${fields.length}`);
    const values = fields.map(Number);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new MotFormatError(`line ${index + 1}: field ${bad + 1} is not a number ('${fields[bad]}')`);
    rows.push({
      frame: values[0]!,
      id: values[1]!,
      x: values[2]!,
      y: values[3]!,
      width: values[4]!,
      height: values[5]!,
      confidence: values[6] ?? 1,
      extra: [values[7] ?? -1, values[8] ?? -1, values[9] ?? -1],
    });
  }
  return rows;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Math.round(value * 1000) / 1000);
}

export function writeMot(rows: readonly MotRow[]): string {
  let out = "";
  for (const row of rows) {
    out += `${row.frame},${row.id},${formatNumber(row.x)},${formatNumber(row.y)},${formatNumber(row.width)},${formatNumber(row.height)},${formatNumber(row.confidence)},${formatNumber(row.extra[0])},${formatNumber(row.extra[1])},${formatNumber(row.extra[2])}\n`;
  }
  return out;
}

export function motRow(frame: number, id: number, box: ArrayLike<number>, confidence: number, extra: readonly [number, number, number] = [-1, -1, -1]): MotRow {
  return { frame, id, x: box[0]!, y: box[1]!, width: box[2]! - box[0]!, height: box[3]! - box[1]!, confidence, extra };
}

/** Rows grouped by frame number, frames ascending. */
export function groupByFrame(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const frames = new Map<number, MotRow[]>();
  for (const row of [...rows].sort((a, b) => a.frame - b.frame)) {
    let list = frames.get(row.frame);
    if (!list) frames.set(row.frame, (list = []));
    list.push(row);
  }
  return frames;
}
