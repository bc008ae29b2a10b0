/**
 * `parallax track-mot --det DET.txt [--tracker bytetrack|botsort] [--fps N]`: tracks MOTChallenge
 * detections (conf column = score; -1 means unknown and counts as 1) and writes the tracks in the
 * same format to stdout.
 */
import { readFile } from "node:fs/promises";
import { BotSort, ByteTrack, parseMot, trackMotRows, writeMot } from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";

const usage = "usage: parallax track-mot --det DET.txt [--tracker bytetrack|botsort] [--fps 30]\n";

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { det: { type: "string" }, tracker: { type: "string", default: "bytetrack" }, fps: { type: "string", default: "30" } }, usage);
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const fps = Number(values.fps);
  if (!values.det || !(fps > 0) || !["bytetrack", "botsort"].includes(values.tracker)) {
    process.stderr.write(`--det is required, --fps must be positive, --tracker bytetrack or botsort\n${usage}`);
    return 2;
  }
  try {
    const rows = parseMot(await readFile(values.det, "utf8"));
    const tracker = values.tracker === "botsort" ? new BotSort({ frameRate: fps }) : new ByteTrack({ frameRate: fps });
    process.stdout.write(writeMot(trackMotRows(rows, tracker)));
    return 0;
  } catch (error) {
    process.stderr.write(`parallax track-mot: ${values.det}: ${(error as Error).message}\n`);
    return 1;
  }
}
