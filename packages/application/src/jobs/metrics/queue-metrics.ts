import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type { StorageFailure } from "@parallax/domain";
import type { Clock } from "../../shared/clock.port.js";
import type { Metric, MetricsSink } from "../../shared/metrics-sink.port.js";
import type { JobStore } from "../ports/job-store.port.js";

/**
 * The queue's metrics as CloudWatch knows them: infra/terraform scales the workers on
 * `PendingJobs` per running worker and alarms on `OldestPendingJobAgeSeconds` (tests/infra
 * checks these names against the .tf files).
 */
export const QUEUE_METRICS = {
  pendingJobs: "PendingJobs",
  oldestPendingJobAgeSeconds: "OldestPendingJobAgeSeconds",
} as const;

/** Due jobs counted at most: the scaling policy needs "many", not an exact backlog of millions. */
export const QUEUE_DEPTH_LIMIT = 10_000;

export interface QueueMetricsSettings {
  /** Time between two publications (METRICS_INTERVAL_S). */
  readonly intervalMs: number;
}

/**
 * The queue now: pending jobs a worker could start (due), and how long the longest of them has
 * waited since it became due (0 when none waits), in whole seconds.
 */
export function measureJobQueue(deps: { store: JobStore; clock: Clock }): Effect.Effect<Metric[], StorageFailure> {
  return Effect.suspend(() => {
    const now = deps.clock.now().getTime();
    return Effect.map(deps.store.queueDepth(now, QUEUE_DEPTH_LIMIT), ({ due, oldestDueAt }) => [
      { name: QUEUE_METRICS.pendingJobs, unit: "Count" as const, value: due },
      { name: QUEUE_METRICS.oldestPendingJobAgeSeconds, unit: "Seconds" as const, value: oldestDueAt === null ? 0 : Math.max(0, Math.floor((now - oldestDueAt) / 1000)) },
    ]);
  });
}

/**
 * Publishes the queue's metrics now and then every `intervalMs` until interrupted. Every
 * worker publishes the same queue-wide numbers (the policy averages them, the alarm takes the
 * maximum), so any one worker left running keeps them flowing. A measurement that fails is
 * logged and skipped: a gap, which the alarm treats as not breaching.
 */
export class QueueMetrics {
  constructor(
    private readonly deps: { store: JobStore; clock: Clock; sink: MetricsSink },
    private readonly settings: QueueMetricsSettings,
  ) {}

  get publishOnce(): Effect.Effect<void> {
    const { deps } = this;
    return measureJobQueue(deps).pipe(
      Effect.flatMap((metrics) => deps.sink.publish(metrics, deps.clock.now())),
      Effect.catch((error) => Effect.logWarning("queue metrics: not measured this time", error)),
    );
  }

  get run(): Effect.Effect<void> {
    return Effect.asVoid(Effect.repeat(this.publishOnce, Schedule.spaced(this.settings.intervalMs)));
  }
}
