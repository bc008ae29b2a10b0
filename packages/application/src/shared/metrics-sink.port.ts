import type * as Effect from "effect/Effect";

/** The CloudWatch units the application's measurements use. */
export type MetricUnit = "Count" | "Seconds";

export interface Metric {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

/**
 * Where measurements go, stamped with the time they were taken (CloudWatch Embedded Metric
 * Format on stdout in production). Publishing never fails the caller: a sink that cannot
 * write says so its own way.
 */
export interface MetricsSink {
  publish(metrics: readonly Metric[], at: Date): Effect.Effect<void>;
}
export const MetricsSink = Symbol.for("parallax.MetricsSink");
