/** `parallax mot-eval --gt GT.txt --pred PRED.txt [--iou 0.5]`: prints one JSON object of MOT metrics. */
import { readFile } from "node:fs/promises";
import { MotFormatError, evaluateMot, parseMot } from "@parallax/domain/tracking";
import { parseCommandArgs } from "./command-args.js";

const usage = "usage: parallax mot-eval --gt GT.txt --pred PRED.txt [--iou 0.5]\n";

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { gt: { type: "string" }, pred: { type: "string" }, iou: { type: "string", default: "0.5" } }, usage);
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const iouThreshold = Number(values.iou);
  if (!values.gt || !values.pred || !(iouThreshold > 0 && iouThreshold <= 1)) {
    process.stderr.write(`--gt and --pred are required; --iou must be in (0, 1]\n${usage}`);
    return 2;
  }
  try {
    const [gtText, predText] = await Promise.all([readFile(values.gt, "utf8"), readFile(values.pred, "utf8")]);
    const gt = parseWithName(gtText, values.gt);
    const pred = parseWithName(predText, values.pred);
    const { num_unique_objects: _u, num_objects: _o, num_predictions: _p, num_matches: _m, ...summary } = evaluateMot(gt, pred, { iouThreshold });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`parallax mot-eval: ${(error as Error).message}\n`);
    return 1;
  }
}

function parseWithName(text: string, file: string) {
  try {
    return parseMot(text);
  } catch (error) {
    if (error instanceof MotFormatError) throw new MotFormatError(`${file}: ${error.message}`);
    throw error;
  }
}
