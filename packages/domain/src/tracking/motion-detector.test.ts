import { describe, expect, it } from "vitest";
import { paintBackground, paintFigure, type FigureColours } from "./figure-painter.js";
import { iou } from "./geometry.js";
import { MotionDetector } from "./motion-detector.js";
import { SeededRandom } from "./random.js";

const [W, H] = [320, 240];
const red: FigureColours = { shirt: [200, 30, 30], trousers: [30, 40, 160] };
const green: FigureColours = { shirt: [40, 170, 60], trousers: [25, 25, 25] };

/** Frame t: static floor plus sensor noise; from t = 2 two figures walk in opposite directions. */
function frameAt(t: number, background: Uint8Array, noise: SeededRandom): { rgb: Uint8Array; truth: Array<[number, number, number, number]> } {
  const rgb = Uint8Array.from(background, (v) => Math.max(0, Math.min(255, v + Math.round(noise.uniform(-6, 6)))));
  const truth: Array<[number, number, number, number]> = [];
  if (t >= 2) {
    const a: [number, number, number, number] = [40 + 7 * t, 120, 64 + 7 * t, 184];
    const b: [number, number, number, number] = [260 - 6 * t, 130, 282 - 6 * t, 190];
    paintFigure(rgb, W, H, a, red);
    paintFigure(rgb, W, H, b, green);
    truth.push(a, b);
  }
  return { rgb, truth };
}

describe("MotionDetector", () => {
  it("finds each moving figure as one person-sized box and nothing in a static noisy scene", () => {
    const background = new Uint8Array(3 * W * H);
    paintBackground(background, W, H, 7);
    const noise = new SeededRandom(11);
    const detector = new MotionDetector();
    for (let t = 0; t < 14; t++) {
      const { rgb, truth } = frameAt(t, background, noise);
      const detections = detector.detect(rgb, W, H);
      if (truth.length === 0) {
        expect(detections.count, `frame ${t}`).toBe(0);
        continue;
      }
      expect(detections.count, `frame ${t}`).toBe(2);
      for (const box of truth) {
        const best = Math.max(...Array.from({ length: detections.count }, (_, i) => iou(detections.boxes.subarray(4 * i, 4 * i + 4), box)));
        expect(best, `frame ${t}`).toBeGreaterThan(0.8);
      }
      for (const score of detections.scores) expect(score).toBeGreaterThan(0.7);
    }
  });

  it("drops blobs that are not person-shaped (wide and flat) and works at reduced analysis resolution", () => {
    const background = new Uint8Array(3 * 640 * 480);
    paintBackground(background, 640, 480, 3);
    const detector = new MotionDetector({ analysisWidth: 160 });
    expect(detector.detect(background, 640, 480).count).toBe(0);
    const frame = Uint8Array.from(background);
    paintFigure(frame, 640, 480, [100, 200, 160, 380], red);
    paintFigure(frame, 640, 480, [300, 300, 600, 340], { shirt: [20, 20, 200], trousers: [20, 20, 200] });
    const detections = detector.detect(frame, 640, 480);
    expect(detections.count).toBe(1);
    expect(iou(detections.boxes, [100, 200, 160, 380])).toBeGreaterThan(0.8);
  });
});
