import { describe, expect, it } from "vitest";
import {
  KALMAN_STATE_SIZE,
  kalmanGatingDistance,
  kalmanGatingMatrix,
  kalmanInitiate,
  kalmanPredict,
  kalmanPredictMany,
  kalmanUpdate,
  kalmanUpdateMany,
} from "./kalman.js";
import { SeededRandom } from "./random.js";

/** Reference: the textbook 8×8 filter (BoT-SORT's KalmanFilterXYWH) with dense matrices. */
class DenseKalman {
  mean = new Float64Array(8);
  cov: number[][] = [];
  initiate(z: number[]) {
    this.mean = Float64Array.from([...z, 0, 0, 0, 0]);
    const [, , w, h] = z as [number, number, number, number];
    const std = [2 * w / 20, 2 * h / 20, 2 * w / 20, 2 * h / 20, 10 * w / 160, 10 * h / 160, 10 * w / 160, 10 * h / 160];
    this.cov = std.map((s, i) => std.map((_, j) => (i === j ? s * s : 0)));
  }
  predict() {
    const w = this.mean[2]!, h = this.mean[3]!;
    const q = [w / 20, h / 20, w / 20, h / 20, w / 160, h / 160, w / 160, h / 160].map((s) => s * s);
    const F = (i: number, j: number) => (i === j ? 1 : j === i + 4 ? 1 : 0);
    const mean = new Float64Array(8);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) mean[i]! += F(i, j) * this.mean[j]!;
    const fp = matmul((i, j) => F(i, j), (i, j) => this.cov[i]![j]!);
    const fpf = matmul((i, j) => fp[i]![j]!, (i, j) => F(j, i));
    this.mean = mean;
    this.cov = fpf.map((row, i) => row.map((v, j) => v + (i === j ? q[i]! : 0)));
  }
  update(z: number[]) {
    const w = this.mean[2]!, h = this.mean[3]!;
    const r = [w / 20, h / 20, w / 20, h / 20].map((s) => s * s);
    // S = H P H^T + R is diagonal here only by structure; invert it generally (4×4 Gauss-Jordan).
    const S = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => this.cov[i]![j]! + (i === j ? r[i]! : 0)));
    const Sinv = invert(S);
    const K = [...Array(8).keys()].map((i) => [0, 1, 2, 3].map((j) => [0, 1, 2, 3].reduce((acc, k) => acc + this.cov[i]![k]! * Sinv[k]![j]!, 0)));
    const y = [0, 1, 2, 3].map((k) => z[k]! - this.mean[k]!);
    for (let i = 0; i < 8; i++) this.mean[i]! += [0, 1, 2, 3].reduce((acc, k) => acc + K[i]![k]! * y[k]!, 0);
    this.cov = this.cov.map((row, i) => row.map((v, j) => v - [0, 1, 2, 3].reduce((acc, k) => acc + K[i]![k]! * this.cov[k]![j]!, 0)));
  }
}
function matmul(a: (i: number, j: number) => number, b: (i: number, j: number) => number): number[][] {
  return [...Array(8).keys()].map((i) => [...Array(8).keys()].map((j) => [...Array(8).keys()].reduce((acc, k) => acc + a(i, k) * b(k, j), 0)));
}
function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) if (r !== c) {
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

describe("block-diagonal Kalman filter", () => {
  it("matches the dense 8×8 filter step for step", () => {
    const random = new SeededRandom(11);
    const state = new Float64Array(KALMAN_STATE_SIZE);
    const dense = new DenseKalman();
    const truth = [320, 240, 60, 150];
    kalmanInitiate(state, ...(truth as [number, number, number, number]));
    dense.initiate(truth);
    for (let step = 0; step < 30; step++) {
      kalmanPredict(state);
      dense.predict();
      truth[0]! += 3;
      truth[1]! -= 1;
      if (step % 4 === 3) continue; // a missed detection: predict only
      const z = truth.map((v) => v + random.normal(0, 2));
      kalmanUpdate(state, z[0]!, z[1]!, z[2]!, z[3]!);
      dense.update(z);
    }
    for (let i = 0; i < 8; i++) expect(state[i]).toBeCloseTo(dense.mean[i]!, 8);
    for (let k = 0; k < 4; k++) {
      expect(state[8 + 3 * k]).toBeCloseTo(dense.cov[k]![k]!, 8);
      expect(state[9 + 3 * k]).toBeCloseTo(dense.cov[k]![k + 4]!, 8);
      expect(state[10 + 3 * k]).toBeCloseTo(dense.cov[k + 4]![k + 4]!, 8);
      expect(dense.cov[k]![(k + 1) % 4]).toBeCloseTo(0, 12); // the off-block terms really are zero
    }
    expect(state[4]).toBeCloseTo(3, 0); // learnt velocity
  });

  it("gates far measurements by Mahalanobis distance", () => {
    const state = new Float64Array(KALMAN_STATE_SIZE);
    kalmanInitiate(state, 100, 100, 40, 100);
    kalmanPredict(state);
    expect(kalmanGatingDistance(state, 101, 100, 40, 100)).toBeLessThan(9.4877);
    expect(kalmanGatingDistance(state, 160, 100, 40, 100)).toBeGreaterThan(9.4877);
    const gates = kalmanGatingMatrix([state], Float64Array.from([81, 50, 121, 150, 140, 50, 180, 150]), 2);
    expect(gates[0]).toBeLessThan(9.4877);
    expect(gates[1]).toBeGreaterThan(9.4877);
  });

  it("batched predict and update equal the single-track calls", () => {
    const single = [new Float64Array(KALMAN_STATE_SIZE), new Float64Array(KALMAN_STATE_SIZE)];
    const batch = [new Float64Array(KALMAN_STATE_SIZE), new Float64Array(KALMAN_STATE_SIZE)];
    for (const states of [single, batch]) {
      kalmanInitiate(states[0]!, 50, 60, 20, 40);
      kalmanInitiate(states[1]!, 150, 160, 30, 70);
    }
    single.forEach((s) => kalmanPredict(s));
    kalmanPredictMany(batch);
    kalmanUpdate(single[0]!, 52, 61, 20, 40);
    kalmanUpdate(single[1]!, 148, 159, 31, 70);
    kalmanUpdateMany(batch, Float64Array.from([42, 41, 62, 81, 132.5, 124, 163.5, 194]));
    expect(Array.from(batch[0]!)).toEqual(Array.from(single[0]!));
    expect(Array.from(batch[1]!)).toEqual(Array.from(single[1]!));
  });
});
